import { runServiceProcess } from '@learnmesh/kernel'
import { communicationService } from './service.ts'

/**
 * Cluster entry: communication as its own process on DATABASE_URL (its least-privileged role),
 * BROKER_URL and PORT, verifying tokens against identity's JWKS (JWKS_URL). SIGTERM/SIGINT drain and exit.
 */
runServiceProcess(communicationService, { env: process.env })
