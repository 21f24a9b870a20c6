// Parent side of the socket benchmarks' client processes (bench/sockets/client.ts): starts them,
// calls them over IPC, collects their `received` reports, and stops only the processes it started.
import { rpcChildren, type RpcChild } from '../lib/rpc-child.ts'
import type { ClientReply } from './client.ts'

type Received = Extract<ClientReply, { event: 'received' }>

/** One client process. */
export interface ClientProcess extends RpcChild {
  /** Called for every `received` report (all of this process's channel members got `seq`). */
  onReceived(listener: (report: { seq: number; last: number; count: number }) => void): void
}

const clients = rpcChildren()

/** Kills every client process still running (the runner's exit path). */
export const killClients: () => void = clients.killAll

/** Starts a client process and waits until it answers. */
export async function startClient(name: string): Promise<ClientProcess> {
  const listeners: ((r: { seq: number; last: number; count: number }) => void)[] = []
  const child = clients.start({
    name,
    script: 'bench/sockets/client.ts',
    stdout: 'inherit',
    stopTimeoutMs: 5000,
    onMessage: (message) => {
      for (const l of listeners) l(message as Received)
    },
  })
  const client: ClientProcess = {
    ...child,
    onReceived(listener) {
      listeners.push(listener)
    },
  }
  await client.call('ready', {}, (Number(process.env.BENCH_READY_TIMEOUT) || 30) * 1000)
  return client
}
