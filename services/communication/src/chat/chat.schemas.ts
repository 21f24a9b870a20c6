import { Type, type Static } from '@learnmesh/kernel'

const ConversationId = Type.String({
  pattern: '^cnv_[0-9a-f]{32}$',
  description: 'A conversation (`cnv_...`).',
})
const MessageId = Type.String({ pattern: '^msg_[0-9a-f]{32}$', description: 'A message (`msg_...`).' })
const UserId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })

/** The most people a group may have: its creator and up to 100 others (creation and additions alike). */
export const GROUP_MAX_PARTICIPANTS = 101

/** A group title: not only spaces, no control characters. */
const Title = Type.String({
  minLength: 1,
  maxLength: 120,
  pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$',
})

/** A person of a system message, with their name as it was then. */
const SystemPerson = Type.Object({
  userId: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
})

/** A file stored elsewhere (media, an upload), referenced by a message. */
export const AttachmentSchema = Type.Object(
  {
    /** What it is: `image`, `file`, `video`, `link`. */
    kind: Type.String({ minLength: 1, maxLength: 20, pattern: '^[a-z]+$' }),
    /** Where it is (a media id or URL); chat never stores the bytes. */
    ref: Type.String({ minLength: 1, maxLength: 500 }),
    /** The name shown. */
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** Size in bytes. */
    size: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
)

/** One message as clients see it (a deleted one keeps its place with an empty body). */
export const MessageSchema = Type.Object({
  id: MessageId,
  conversationId: ConversationId,
  /** Who sent it. */
  senderId: Type.String(),
  /** The sender's own id for it (retries with the same id are the same message). */
  clientMessageId: Type.String(),
  /** Empty once deleted. */
  body: Type.String(),
  attachments: Type.Array(AttachmentSchema),
  createdAt: Type.String({ format: 'date-time' }),
  editedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deletedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** `user`: someone wrote it; `system`: chat wrote it about a group change (the body says it in words). */
  kind: Type.Union([Type.Literal('user'), Type.Literal('system')]),
  /** System messages: what happened; null for messages people wrote. */
  event: Type.Union([
    Type.Object({
      /**
       * created | member_added | member_removed | member_left | left_org | removed_from_org |
       * rejoined | renamed | owner_changed | role_changed
       */
      type: Type.String(),
      /** Who did it (member_left, left_org, removed_from_org: who went; rejoined: who came back; owner_changed passed on: the heir). */
      actor: SystemPerson,
      /** Who was added, removed, became owner, or changed role. */
      users: Type.Array(SystemPerson),
      /** created: the group's name; renamed: the new title. */
      title: Type.Optional(Type.String()),
      /** role_changed: the new role. */
      role: Type.Optional(Type.String()),
    }),
    Type.Null(),
  ]),
})
/** A message as clients see it. */
export type MessageView = Static<typeof MessageSchema>

/** A conversation in my list. */
export const ConversationSchema = Type.Object({
  id: ConversationId,
  /** direct | group | course */
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group'), Type.Literal('course')]),
  /** Group and course channel title; null for direct conversations. */
  title: Type.Union([Type.String(), Type.Null()]),
  /** The course of a course channel. */
  courseId: Type.Union([Type.String(), Type.Null()]),
  /** Everyone in it. */
  participantIds: Type.Array(Type.String()),
  /** Everyone in it, with the name to show and how far they have read (read receipts on load). */
  participants: Type.Array(
    Type.Object({
      userId: Type.String(),
      /** From identity.user.registered; null when communication has not heard of them yet. */
      displayName: Type.Union([Type.String(), Type.Null()]),
      lastReadMessageId: Type.Union([MessageId, Type.Null()]),
      /** owner | admin | member (groups; owner and admins manage it), instructor (course channels). */
      role: Type.Union([
        Type.Literal('owner'),
        Type.Literal('admin'),
        Type.Literal('member'),
        Type.Literal('instructor'),
      ]),
      /** When they joined (the longest-standing one becomes owner when the owner leaves). */
      joinedAt: Type.String({ format: 'date-time' }),
    }),
  ),
  /** Messages from others after my last read one. */
  unreadCount: Type.Integer({ minimum: 0 }),
  /** The newest message id (null: none yet). */
  lastMessageId: Type.Union([MessageId, Type.Null()]),
  /** My last read message (null: none). */
  lastReadMessageId: Type.Union([MessageId, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
})
/** A conversation as clients see it. */
export type ConversationView = Static<typeof ConversationSchema>

/** POST /conversations/direct. */
export const CreateDirectBody = Type.Object(
  {
    /** The other person (same organization). */
    userId: UserId,
  },
  { additionalProperties: false },
)

/** POST /conversations/group. */
export const CreateGroupBody = Type.Object(
  {
    /** 1–120 characters, not only spaces. */
    title: Title,
    /** The other members, each a contact of the creator (see GET /contacts); the creator is added as owner. */
    memberIds: Type.Array(UserId, {
      minItems: 1,
      maxItems: GROUP_MAX_PARTICIPANTS - 1,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
)

/** POST /conversations/:id/participants. */
export const AddParticipantsBody = Type.Object(
  {
    /** People to add, each a contact of the caller (see GET /contacts); those already in it are skipped. */
    userIds: Type.Array(UserId, { minItems: 1, maxItems: GROUP_MAX_PARTICIPANTS - 1, uniqueItems: true }),
  },
  { additionalProperties: false },
)

/** PATCH /conversations/:id: rename a group. */
export const UpdateConversationBody = Type.Object(
  {
    /** The new title (1–120 characters, not only spaces; trimmed). */
    title: Title,
  },
  { additionalProperties: false },
)

/** PATCH /conversations/:id/participants/:userId: change someone's role in a group (owner only). */
export const UpdateParticipantBody = Type.Object(
  {
    /** admin or member; `owner` hands the group over (the previous owner becomes an admin). */
    role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('owner')]),
  },
  { additionalProperties: false },
)

/** GET /conversations. */
export const ConversationList = Type.Object({ items: Type.Array(ConversationSchema) })

/** Path of one conversation. */
export const ConversationParams = Type.Object({ id: ConversationId })
/** Path of one participant of a conversation. */
export const ParticipantParams = Type.Object({ id: ConversationId, userId: UserId })
/** Path of one message. */
export const MessageParams = Type.Object({ id: ConversationId, messageId: MessageId })

/** GET /conversations/:id/messages: newest first, older pages with `before`. */
export const HistoryQuery = Type.Object(
  {
    /** Cursor: messages older than this id (the previous page's `nextCursor`). */
    before: Type.Optional(MessageId),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  },
  { additionalProperties: false },
)

/** A page of history, newest first. */
export const HistoryPage = Type.Object({
  items: Type.Array(MessageSchema),
  /** Pass as `before` for the next (older) page; null at the start of the conversation. */
  nextCursor: Type.Union([MessageId, Type.Null()]),
})

/** POST /conversations/:id/messages (the REST fallback of `message:send`). Size is checked by the service. */
export const SendBody = Type.Object(
  {
    /** The text (at most CHAT_MAX_MESSAGE_CHARS characters; may be empty with attachments). */
    body: Type.String({ maxLength: 100_000 }),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 10 })),
    /** The client's id for this message: a retry with the same id returns the stored message. */
    clientMessageId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
  },
  { additionalProperties: false },
)
/** A message to send. */
export type SendInput = Static<typeof SendBody>

/** PATCH /conversations/:id/messages/:messageId. */
export const EditBody = Type.Object(
  { body: Type.String({ maxLength: 100_000 }) },
  { additionalProperties: false },
)

/** POST /conversations/:id/read. */
export const ReadBody = Type.Object(
  {
    /** The newest message read; read marks never move backwards. */
    messageId: MessageId,
  },
  { additionalProperties: false },
)

/** The reader's state after a read mark. */
export const ReadResponse = Type.Object({
  lastReadMessageId: Type.Union([MessageId, Type.Null()]),
  unreadCount: Type.Integer({ minimum: 0 }),
})

/** GET /contacts: people I may start a conversation with, by name. */
export const ContactsQuery = Type.Object(
  {
    /** Part of the name, any case (empty: everyone, by name). */
    q: Type.Optional(Type.String({ maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
    /** The previous page's `nextCursor`. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
)
/** A contacts search. */
export type ContactsQueryInput = Static<typeof ContactsQuery>

/** Why someone is a contact. */
export const ContactReasonSchema = Type.Object({
  /** your_tutor | your_learner | instructor | course_learner | conversation | listed_tutor | organization */
  kind: Type.Union([
    Type.Literal('your_tutor'),
    Type.Literal('your_learner'),
    Type.Literal('instructor'),
    Type.Literal('course_learner'),
    Type.Literal('conversation'),
    Type.Literal('listed_tutor'),
    Type.Literal('organization'),
  ]),
  /** The course, for `instructor` and `course_learner`. */
  course: Type.Union([Type.String(), Type.Null()]),
  /** The reason in words ("Your tutor", "Instructor of Algebra I"). */
  label: Type.String(),
})

/** A person I may message. */
export const ContactSchema = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  /** Why (at most 5, most personal first). */
  reasons: Type.Array(ContactReasonSchema),
})
/** A contact as clients see it. */
export type ContactView = Static<typeof ContactSchema>

/** A page of contacts, by name. */
export const ContactPage = Type.Object({
  items: Type.Array(ContactSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
