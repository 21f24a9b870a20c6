import type { Contact } from '../../api/chat.ts'

/** Test data of the chat pages: two of Lea's contacts, her tutor Tom and her instructor Ivy. */
export const TOM: Contact = {
  userId: 'usr_tom',
  displayName: 'Tom Tutor',
  reasons: [{ kind: 'your_tutor', course: null, label: 'Your tutor' }],
}
export const IVY: Contact = {
  userId: 'usr_ivy',
  displayName: 'Ivy Instructor',
  reasons: [{ kind: 'instructor', course: 'Algebra I', label: 'Instructor of Algebra I' }],
}
