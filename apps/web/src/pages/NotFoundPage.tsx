import { Button, Stack, Text, Title } from '@mantine/core'
import { Link } from 'react-router'

export default function NotFoundPage() {
  return (
    <Stack align="center" py="xl">
      <Title order={1}>Page not found</Title>
      <Text c="dimmed">There is nothing at this address.</Text>
      <Button component={Link} to="/">
        Go home
      </Button>
    </Stack>
  )
}
