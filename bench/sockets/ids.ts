// The ids the socket benchmarks seed and the servers and clients agree on (no imports: the bare
// servers load this without the communication service).
export const userId = (n: number): string => `usr_${n.toString(16).padStart(32, '0')}`
export const channelId = (g: number): string => `cnv_${'c'.repeat(24)}${g.toString(16).padStart(8, '0')}`
