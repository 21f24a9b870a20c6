import type { ServiceDefinition } from '@learnmesh/kernel'
import { identityService } from '@learnmesh/identity'
import { learningService } from '@learnmesh/learning'
import { commerceService } from '@learnmesh/commerce'
import { tutoringService } from '@learnmesh/tutoring'
import { communicationService } from '@learnmesh/communication'

/** Every domain service, in start order (identity first: the others verify its tokens). */
export const services: ServiceDefinition[] = [
  identityService,
  learningService,
  commerceService,
  tutoringService,
  communicationService,
]

/** The demo organization and people seeded on first start; passwords satisfy the password policy. */
export const demo = {
  orgSlug: 'demo',
  orgName: 'Demo Academy',
  users: [
    {
      email: 'admin@demo.learnmesh.dev',
      password: 'demo-admin-passphrase',
      displayName: 'Ada Admin',
      roles: ['org_admin'],
      platformAdmin: true,
      label: 'platform admin',
    },
    {
      email: 'instructor@demo.learnmesh.dev',
      password: 'demo-instructor-passphrase',
      displayName: 'Ines Instructor',
      roles: ['instructor'],
      platformAdmin: false,
      label: 'instructor',
    },
    {
      email: 'tutor@demo.learnmesh.dev',
      password: 'demo-tutor-passphrase',
      displayName: 'Theo Tutor',
      roles: ['tutor'],
      platformAdmin: false,
      label: 'tutor',
    },
    {
      email: 'learner@demo.learnmesh.dev',
      password: 'demo-learner-passphrase',
      displayName: 'Lea Learner',
      roles: ['learner'],
      platformAdmin: false,
      label: 'learner',
    },
  ],
} as const
