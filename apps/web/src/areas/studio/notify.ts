import { notifications } from '@mantine/notifications'

/** A toast whose close button has an accessible name (Mantine's has none by default). */
export function notify(message: string, color: 'green' | 'red' = 'green', title?: string): void {
  notifications.show({ message, color, title, closeButtonProps: { 'aria-label': 'Close notification' } })
}
