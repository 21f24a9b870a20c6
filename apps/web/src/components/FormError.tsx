import { Alert } from '@mantine/core'
import { ApiError, errorMessage } from '../api/problem.ts'

/** The server's problem `detail` (or a generic message) above a form; nothing without an error. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null
  const title =
    error instanceof ApiError ? (error.problem.title ?? 'Something went wrong') : 'Something went wrong'
  return (
    <Alert color="red" title={title} role="alert">
      {errorMessage(error)}
    </Alert>
  )
}
