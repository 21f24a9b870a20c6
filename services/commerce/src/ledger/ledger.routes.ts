import type { App } from '@learnmesh/kernel'
import type { CommerceDeps } from '../deps.ts'

/** PLACEHOLDER until its owner lands it: balances, statements, payouts, admin ledger views. */
export async function ledgerRoutes(_app: App, _deps: CommerceDeps): Promise<void> {}
