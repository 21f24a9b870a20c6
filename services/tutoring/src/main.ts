import { runServiceProcess } from '@learnmesh/kernel'
import { tutoringService } from './service.ts'

/**
 * Cluster entry: tutoring as its own process on DATABASE_URL (its least-privileged role),
 * BROKER_URL and PORT, verifying tokens against identity's JWKS (JWKS_URL). SIGTERM/SIGINT drain and exit.
 */
runServiceProcess(tutoringService, { env: process.env })
