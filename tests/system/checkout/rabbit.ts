import { preparePrivateRabbitNode, run, waitPort } from '../rabbit-node.ts'

/**
 * A RabbitMQ node owned by one test file: its own node name (`lmchaos<random>@localhost`), free
 * AMQP and distribution ports, data and logs under the OS temp dir. `crash()` SIGKILLs the Erlang VM
 * by its pid (what an OOM kill or a host failure does: no clean shutdown, connections cut), and
 * `restart()` boots the same node on the same data directory, so durable queues and the messages
 * they held come back. The machine's own broker is never touched.
 */
export interface CrashableBroker {
  readonly url: string
  readonly node: string
  /** Whether the node is currently crashed by us. */
  readonly down: boolean
  /** SIGKILLs the node's VM; resolves when its AMQP port no longer answers. */
  crash(): Promise<void>
  /** Boots the node again on its data; resolves when it accepts AMQP connections. Returns the boot time in ms. */
  restart(): Promise<number>
  /** Stops the node (SIGKILL by pid after `rabbitmqctl stop` fails) and deletes its directory. */
  close(): Promise<void>
}

/** Starts the node; throws (with the reason) when this machine cannot run one. */
export async function startCrashableBroker(): Promise<CrashableBroker> {
  const rabbit = await preparePrivateRabbitNode({ namePrefix: 'lmchaos', dirPrefix: 'lm-chaos-rabbit-' })
  const { node, port, env } = rabbit
  const cleanup = () => rabbit.cleanup()
  // The test process dying must not leave our node running.
  process.once('exit', cleanup)
  try {
    await rabbit.boot()
    await run('rabbitmqctl', ['-n', node, 'await_startup'], { timeout: 60_000, env })
  } catch (err) {
    process.off('exit', cleanup)
    cleanup()
    throw err
  }
  let down = false
  return {
    url: rabbit.url,
    node,
    get down() {
      return down
    },
    async crash() {
      const pid = rabbit.vmPid()
      if (!pid) throw new Error(`no pid for RabbitMQ node ${node}`)
      down = true
      process.kill(pid, 'SIGKILL')
      await waitPort(port, false, 30_000)
    },
    async restart() {
      const ms = await rabbit.boot()
      down = false
      return ms
    },
    async close() {
      process.off('exit', cleanup)
      await run('rabbitmqctl', ['-n', node, 'stop'], { timeout: 30_000, env }).catch(() => {})
      cleanup()
    },
  }
}
