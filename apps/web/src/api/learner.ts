import { api } from './client.ts'
import { ApiError, NetworkError, readProblem } from './problem.ts'

// ---- commerce: cart, checkout, orders, invoices -------------------------------------------------

export interface CartLine {
  priceId: string
  productId: string
  productType: string
  productRef: string
  title: string
  reference: string | null
  quantity: number
  lessonCount: number
  unitAmountMinor: number
  subtotalMinor: number
  discountMinor: number
  totalMinor: number
  available: boolean
}
export interface Cart {
  id: string | null
  currency: string | null
  items: CartLine[]
  coupons: { code: string; discountMinor: number; reason: string | null }[]
  subtotalMinor: number
  discountMinor: number
  totalMinor: number
  /** Tax included in the total (prices are tax-inclusive); older servers leave it out. */
  tax?: { label: string; rateBasisPoints: number; includedMinor: number }
}
export interface NextAction {
  type: 'redirect_to_url' | 'client_secret' | 'stellar_pay_uri' | string
  url?: string
  method?: string
  clientSecret?: string
}
export interface Payment {
  id: string
  provider: string
  status: string
  amountMinor: number
  capturedMinor: number
  refundedMinor: number
  failureCode: string | null
  nextAction: NextAction | null
  createdAt: string
}
export interface OrderSummary {
  id: string
  userId: string
  status: string
  currency: string
  subtotalMinor: number
  discountMinor: number
  taxMinor: number
  totalMinor: number
  refundedMinor: number
  couponCodes: string[]
  createdAt: string
  paidAt: string | null
  /** Number of lines. */
  itemCount: number
  /** Titles of the first lines (at most 5), in checkout order. */
  itemTitles: string[]
}
export interface Order extends OrderSummary {
  items: {
    id: string
    productId: string
    priceId: string
    productType: string
    productRef: string
    title: string
    quantity: number
    unitAmountMinor: number
    discountMinor: number
    amountMinor: number
    taxMinor: number
    refundedMinor: number
  }[]
  payments: Payment[]
}
export interface Invoice {
  id: string
  kind: string
  number: string
  orderId: string
  currency: string
  subtotalMinor: number
  taxMinor: number
  totalMinor: number
  taxLabel: string
  status: string
  issuedAt: string
}
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Requests that need headers the shared client does not send (Idempotency-Key). */
async function withHeaders<T>(path: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const send = () =>
    fetch(`/api${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...headers,
        ...(api.tokens.access() ? { authorization: `Bearer ${api.tokens.access()}` } : {}),
      },
      body: JSON.stringify(body),
    })
  return (await (await authed(send)).json()) as T
}

/** Sends with the access token, refreshing it once on a 401; throws ApiError on a problem answer. */
async function authed(send: () => Promise<Response>): Promise<Response> {
  if (!api.tokens.access() && api.tokens.signedIn()) await api.refresh()
  let response: Response
  try {
    response = await send()
    if (response.status === 401 && api.tokens.signedIn() && (await api.refresh())) response = await send()
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw new NetworkError(error)
  }
  if (!response.ok) throw new ApiError(await readProblem(response))
  return response
}

export const cart = {
  get: () => api.request<Cart>('/commerce/cart'),
  add: (priceId: string) => api.request<Cart>('/commerce/cart/items', { body: { priceId, quantity: 1 } }),
  remove: (priceId: string) =>
    api.request<Cart>(`/commerce/cart/items/${encodeURIComponent(priceId)}`, { method: 'DELETE' }),
  applyCoupon: (code: string) => api.request<Cart>('/commerce/cart/coupons', { body: { code } }),
  removeCoupon: (code: string) =>
    api.request<Cart>(`/commerce/cart/coupons/${encodeURIComponent(code)}`, { method: 'DELETE' }),
}

export interface CheckoutOptions {
  provider: 'sandbox' | 'stripe' | 'stellar'
  publishableKey: string | null
}

/** commerce's provider and Stripe publishable key; a server without the endpoint means the sandbox. */
export async function checkoutOptions(): Promise<CheckoutOptions> {
  try {
    return await api.request<CheckoutOptions>('/commerce/checkout/options', { anonymous: true })
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      return { provider: 'sandbox', publishableKey: null }
    throw error
  }
}

export const orders = {
  checkout: (key: string, paymentMethod?: string) =>
    withHeaders<Order>('/commerce/checkout', paymentMethod ? { paymentMethod } : {}, {
      'idempotency-key': key,
    }),
  confirm: (orderId: string, key: string, paymentMethod?: string) =>
    withHeaders<Order>(
      `/commerce/orders/${encodeURIComponent(orderId)}/confirm`,
      paymentMethod ? { paymentMethod } : {},
      { 'idempotency-key': key },
    ),
  completeSandbox: (providerRef: string, outcome: 'succeeded' | 'failed') =>
    api.request<unknown>(`/commerce/sandbox/payments/${encodeURIComponent(providerRef)}/complete`, {
      body: { outcome },
    }),
  get: (orderId: string) => api.request<Order>(`/commerce/orders/${encodeURIComponent(orderId)}`),
  mine: (after?: string) =>
    api.request<Page<OrderSummary>>('/commerce/orders/mine', { query: { limit: 20, after } }),
  invoices: () => api.request<Page<Invoice>>('/commerce/invoices/mine', { query: { limit: 100 } }),
}

// ---- learning: enrollments, player, quizzes, assignments, certificates ---------------------------

export interface Enrollment {
  id: string
  courseId: string
  courseTitle: string | null
  status: 'active' | 'expired' | 'revoked' | 'upcoming' | 'completed'
  source: string
  cohort: { id: string; name: string; startsAt: string } | null
  expiresAt: string | null
  enrolledAt: string
  completedAt: string | null
  progressPercent: number
  resume: { lessonId: string; positionSeconds: number; at: string | null } | null
}
export interface LessonState {
  id: string
  title: string
  type: string
  durationSeconds: number
  completed: boolean
  completedAt: string | null
  positionSeconds: number
  maxPositionSeconds: number
  locked: boolean
  missingPrerequisiteIds: string[]
}
export interface LearnCourse {
  courseId: string
  enrollmentId: string
  version: number
  title: string
  progressPercent: number
  completedAt: string | null
  resume: { lessonId: string; positionSeconds: number } | null
  sections: { id: string; title: string; lessons: LessonState[] }[]
}
export type LessonContent =
  | { type: 'video'; url: string; durationSeconds: number; completionThreshold: number }
  | { type: 'text'; markdown: string }
  | { type: 'quiz'; quizId: string }
  | { type: 'assignment'; assignmentId: string }
  | { type: 'resource'; url: string; fileName: string; sizeBytes: number | null }
export interface LessonDetail {
  id: string
  title: string
  type: string
  durationSeconds: number
  content: LessonContent
  completed: boolean
  positionSeconds: number
}
export interface QuizSummary {
  id: string
  courseId: string
  lessonId: string
  title: string
  questionCount: number
  timeLimitSeconds: number | null
  maxAttempts: number | null
  attemptsUsed: number
  passPercent: number
  bestPercent: number | null
  passed: boolean
  inProgressAttemptId: string | null
  unlocked: boolean
}
export interface QuizQuestion {
  id: string
  type: 'single_choice' | 'multiple_choice' | 'true_false' | 'numeric' | 'short_text' | string
  prompt: string
  options: { id: string; text: string }[]
  points: number
}
export interface Attempt {
  id: string
  quizId: string
  courseId: string
  attemptNo: number
  status: string
  startedAt: string
  deadlineAt: string | null
  graceSeconds: number
  serverTime: string
  submittedAt: string | null
  questions: QuizQuestion[]
  answers: Record<string, unknown>
  score: number | null
  maxScore: number | null
  passed: boolean | null
  feedback:
    | {
        questionId: string
        correct: boolean
        answered: boolean
        earned: number
        points: number
        yourAnswer: unknown
        correctAnswer: unknown
        explanation: string
      }[]
    | null
}
export interface Assignment {
  id: string
  title: string
  instructions: string
  dueAt: string | null
  latePolicy: string
  maxPoints: number
  passPoints: number
  maxSubmissions: number | null
  rubric: { id: string; title: string; description: string; maxPoints: number }[]
}
export interface Submission {
  id: string
  attemptNo: number
  text: string
  links: string[]
  submittedAt: string
  late: boolean
  status: 'submitted' | 'graded'
  score: number | null
  maxScore: number
  passed: boolean | null
  feedback: string | null
  gradedAt: string | null
}
export interface Certificate {
  id: string
  code: string
  verifyUrl: string
  courseId: string
  courseTitle: string
  learnerName: string
  issuedAt: string
  revoked: boolean
  revokedAt: string | null
}
export interface CertificateCheck {
  code: string
  learnerName: string
  courseTitle: string
  issuedAt: string
  issuer: { id: string; name: string }
  revoked: boolean
  revokedAt: string | null
  verifyUrl: string
}

const id = encodeURIComponent

export const learn = {
  enrollments: () => api.request<Page<Enrollment>>('/learning/enrollments', { query: { limit: 100 } }),
  enroll: (courseId: string) => api.request<Enrollment>('/learning/enrollments', { body: { courseId } }),
  course: (courseId: string) => api.request<LearnCourse>(`/learning/learn/courses/${id(courseId)}`),
  lesson: (courseId: string, lessonId: string) =>
    api.request<LessonDetail>(`/learning/learn/courses/${id(courseId)}/lessons/${id(lessonId)}`),
  complete: (courseId: string, lessonId: string) =>
    api.request<{ changed: boolean; progressPercent: number; courseCompleted: boolean }>(
      `/learning/learn/courses/${id(courseId)}/lessons/${id(lessonId)}/complete`,
      { body: {} },
    ),
  heartbeat: (courseId: string, lessonId: string, positionSeconds: number) =>
    api.request<{ accepted: true }>('/learning/progress/heartbeats', {
      body: { courseId, lessonId, positionSeconds },
    }),
  quiz: (quizId: string) => api.request<QuizSummary>(`/learning/quizzes/${id(quizId)}`),
  startAttempt: (quizId: string) =>
    api.request<Attempt>(`/learning/quizzes/${id(quizId)}/attempts`, { body: {} }),
  attempt: (attemptId: string) => api.request<Attempt>(`/learning/attempts/${id(attemptId)}`),
  saveAnswer: (attemptId: string, questionId: string, answer: unknown) =>
    api.request<unknown>(`/learning/attempts/${id(attemptId)}/answers/${id(questionId)}`, {
      method: 'PUT',
      body: { answer },
    }),
  submitAttempt: (attemptId: string) =>
    api.request<Attempt>(`/learning/attempts/${id(attemptId)}/submit`, { body: {} }),
  assignment: (assignmentId: string) => api.request<Assignment>(`/learning/assignments/${id(assignmentId)}`),
  mySubmissions: (assignmentId: string) =>
    api.request<{ items: Submission[] }>(`/learning/assignments/${id(assignmentId)}/submissions/mine`),
  submit: (assignmentId: string, body: { text?: string; links?: string[] }) =>
    api.request<Submission>(`/learning/assignments/${id(assignmentId)}/submissions`, { body }),
  certificates: () => api.request<{ items: Certificate[] }>('/learning/certificates/mine'),
  verify: (code: string) =>
    api.request<CertificateCheck>(`/learning/certificates/verify/${id(code)}`, { anonymous: true }),
}

/**
 * Downloads a signed-in file (certificate or invoice PDF): fetched with the bearer token, then saved
 * through a temporary object URL, since a plain link cannot carry the Authorization header.
 */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const response = await authed(() =>
    fetch(`/api${path}`, {
      headers: {
        accept: 'application/pdf, application/problem+json',
        ...(api.tokens.access() ? { authorization: `Bearer ${api.tokens.access()}` } : {}),
      },
    }),
  )
  const url = URL.createObjectURL(await response.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
