/** One email of a sequence, sent `afterHours` after enrollment. */
export interface SequenceStep {
  afterHours: number
  subject: string
  paragraphs: string[]
  action: { label: string; path: string }
}

/** An email sequence (drip campaign), defined in code. */
export interface SequenceDefinition {
  id: string
  label: string
  /** The event that enrolls a person. */
  startedBy: 'identity.user.registered'
  /** The event that means the sequence did its job: the next step stops it. */
  goalEvent: 'learning.enrollment.created'
  steps: SequenceStep[]
}

/**
 * Onboarding: the welcome email is the trigger's (`account.welcome`, at registration); these follow
 * it on day 1, 3 and 7 unless the person enrolled in a course meanwhile, or unsubscribed.
 */
export const onboardingSequence: SequenceDefinition = {
  id: 'onboarding',
  label: 'Onboarding (first week)',
  startedBy: 'identity.user.registered',
  goalEvent: 'learning.enrollment.created',
  steps: [
    {
      afterHours: 24,
      subject: 'Finish your profile and find your first course',
      paragraphs: [
        'A complete profile helps tutors and classmates know you.',
        'Then have a look at the catalog: most courses let you try the first lessons for free.',
      ],
      action: { label: 'Find a course', path: '/catalog' },
    },
    {
      afterHours: 72,
      subject: 'Book a trial lesson with a tutor',
      paragraphs: [
        'Learning goes faster with someone at your side. Tutors offer short trial lessons to get to know you.',
      ],
      action: { label: 'Find a tutor', path: '/tutors' },
    },
    {
      afterHours: 168,
      subject: 'Your first week on learnmesh',
      paragraphs: [
        'It has been a week since you joined. Courses, tutors and study groups are waiting for you.',
        'Pick one thing to learn this week: ten minutes a day is enough to start.',
      ],
      action: { label: 'Explore the catalog', path: '/catalog' },
    },
  ],
}

/** Every sequence. */
export const sequenceDefinitions: SequenceDefinition[] = [onboardingSequence]

/** Sequences by id. */
export const sequenceById = new Map(sequenceDefinitions.map((s) => [s.id, s]))

/** The unsubscribe scope of a sequence's emails. */
export const sequenceScope = (id: string) => `sequence:${id}`
