import { describe, expect, it } from 'vitest'
import { ClusterError, parseReplicas } from './cluster.ts'

// The supervisor itself runs in tests/system/cluster.test.ts (real PostgreSQL, RabbitMQ and Redis).
const known = ['identity', 'learning']

describe('parseReplicas', () => {
  describe('happy', () => {
    it('defaults every service to one replica and reads repeated or comma-separated counts', () => {
      expect(parseReplicas([], known)).toEqual({ identity: 1, learning: 1 })
      expect(parseReplicas(['identity=2'], known)).toEqual({ identity: 2, learning: 1 })
      expect(parseReplicas(['identity=2,learning=3'], known)).toEqual({ identity: 2, learning: 3 })
      expect(parseReplicas(['identity=2', 'learning=4'], known)).toEqual({ identity: 2, learning: 4 })
    })
  })

  describe('errors', () => {
    it('rejects unknown services, malformed entries and counts out of 1..16', () => {
      expect(() => parseReplicas(['search=2'], known)).toThrow(/unknown service 'search'/)
      expect(() => parseReplicas(['identity'], known)).toThrow(ClusterError)
      expect(() => parseReplicas(['identity=two'], known)).toThrow(/<service>=<count>/)
      expect(() => parseReplicas(['identity=0'], known)).toThrow(/1 to 16/)
      expect(() => parseReplicas(['identity=17'], known)).toThrow(/1 to 16/)
    })
  })

  describe('security', () => {
    it('refuses a runaway count (each replica is a process)', () => {
      expect(() => parseReplicas(['identity=999'], known)).toThrow(ClusterError)
    })
  })
})
