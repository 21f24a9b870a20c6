import { Text } from '@mantine/core'
import { useEffect, useRef, useState } from 'react'
import { learn } from '../../api/learner.ts'

/** How often a playing video reports its position (learning buffers and writes them in batches). */
export const HEARTBEAT_MS = 10_000

const isHls = (url: string) => {
  try {
    return new URL(url, window.location.href).pathname.toLowerCase().endsWith('.m3u8')
  } catch {
    return false
  }
}

/**
 * A video lesson: HLS (`.m3u8`) through hls.js where the browser has no native HLS, a plain `<video>`
 * otherwise. Starts where the learner stopped (`positionSeconds`), and reports the position as a
 * heartbeat every 10 s while playing and on pause, end and leaving; learning completes the lesson once
 * the furthest position passes its threshold.
 */
export function VideoLesson({
  courseId,
  lessonId,
  url,
  durationSeconds,
  positionSeconds,
  title,
  onProgress,
}: {
  courseId: string
  lessonId: string
  url: string
  durationSeconds: number
  positionSeconds: number
  title: string
  /** Called after an ended video's last heartbeat had time to be written. */
  onProgress?: () => void
}) {
  const video = useRef<HTMLVideoElement>(null)
  const [failed, setFailed] = useState(false)
  const onProgressRef = useRef(onProgress)
  onProgressRef.current = onProgress

  useEffect(() => {
    const el = video.current
    if (!el) return
    let destroyed = false
    let hls: { destroy(): void } | undefined
    let lastSent = -1
    setFailed(false)

    const send = () => {
      const position = Math.min(Math.floor(el.currentTime), durationSeconds + 15)
      if (!Number.isFinite(position) || position === lastSent) return
      lastSent = position
      learn.heartbeat(courseId, lessonId, position).catch(() => undefined)
    }
    const resume = () => {
      if (positionSeconds > 0 && positionSeconds < (el.duration || durationSeconds) - 1)
        el.currentTime = positionSeconds
    }
    const ended = () => {
      send()
      setTimeout(() => onProgressRef.current?.(), 1200)
    }
    const timer = setInterval(() => {
      if (!el.paused && !el.ended) send()
    }, HEARTBEAT_MS)
    el.addEventListener('loadedmetadata', resume, { once: true })
    el.addEventListener('pause', send)
    el.addEventListener('ended', ended)

    if (isHls(url) && !el.canPlayType('application/vnd.apple.mpegurl')) {
      void import('hls.js').then(({ default: Hls }) => {
        if (destroyed) return
        if (!Hls.isSupported()) {
          setFailed(true)
          return
        }
        const player = new Hls()
        hls = player
        player.on(Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) setFailed(true)
        })
        player.loadSource(url)
        player.attachMedia(el)
      })
    } else {
      el.src = url
    }

    return () => {
      destroyed = true
      clearInterval(timer)
      if (el.currentTime > 0) send()
      el.removeEventListener('pause', send)
      el.removeEventListener('ended', ended)
      hls?.destroy()
    }
  }, [courseId, lessonId, url, durationSeconds, positionSeconds])

  return (
    <>
      <video
        ref={video}
        controls
        playsInline
        preload="metadata"
        aria-label={`Video: ${title}`}
        style={{ width: '100%', maxHeight: '70vh', background: '#000', borderRadius: 8 }}
        onError={() => setFailed(true)}
        data-testid="lesson-video"
      />
      {failed && (
        <Text c="red.8" size="sm" role="alert">
          The video could not be played. Check your connection and try again.
        </Text>
      )}
    </>
  )
}
