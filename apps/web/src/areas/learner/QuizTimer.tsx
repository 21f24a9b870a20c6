import { VisuallyHidden } from '@mantine/core'
import { useEffect, useRef, useState } from 'react'
import { ToneBadge } from './shared.tsx'

/** Milliseconds → `m:ss` (or `h:mm:ss`), never negative. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/**
 * A quiz attempt's countdown. The deadline is the server's: the offset between the server's clock
 * (`serverTime`, read when the attempt was fetched) and this device's is applied, so a wrong local
 * clock does not shorten or stretch the time. Calls `onExpire` once when it reaches zero; screen
 * readers hear the minute and ten-second marks rather than every tick.
 */
export function QuizTimer({
  deadlineAt,
  serverTime,
  onExpire,
  now = () => Date.now(),
}: {
  deadlineAt: string
  serverTime: string
  onExpire?: () => void
  now?: () => number
}) {
  const [offset] = useState(() => Date.parse(serverTime) - now())
  const deadline = Date.parse(deadlineAt)
  const remaining = () => deadline - (now() + offset)
  const [left, setLeft] = useState(remaining)
  const expired = useRef(false)
  const onExpireRef = useRef(onExpire)
  onExpireRef.current = onExpire

  useEffect(() => {
    const tick = () => {
      const ms = remaining()
      setLeft(ms)
      if (ms <= 0 && !expired.current) {
        expired.current = true
        onExpireRef.current?.()
      }
    }
    tick()
    const timer = setInterval(tick, 250)
    return () => clearInterval(timer)
  }, [deadline, offset])

  const seconds = Math.max(0, Math.ceil(left / 1000))
  const announcement =
    seconds === 0 ? 'Time is up' : seconds <= 10 ? '10 seconds left' : seconds <= 60 ? '1 minute left' : ''
  return (
    <>
      <ToneBadge
        size="lg"
        variant={seconds <= 60 ? 'filled' : 'light'}
        color={seconds <= 60 ? 'red' : 'blue'}
        role="timer"
        aria-label={`Time left ${formatRemaining(left)}`}
      >
        {formatRemaining(left)}
      </ToneBadge>
      <VisuallyHidden aria-live="assertive">{announcement}</VisuallyHidden>
    </>
  )
}
