import { Card, Center, Stack, Title } from '@mantine/core'
import type { ReactNode } from 'react'

/** The narrow centred card the account pages share. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center py="lg">
      <Card withBorder padding="lg" w="100%" maw={420}>
        <Stack gap="md">
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Card>
    </Center>
  )
}
