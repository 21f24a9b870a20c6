/** The query key of a course's draft; every builder mutation refreshes it. */
export const courseKey = (id: string) => ['studio', 'course', id]
/** The query keys of the grading queue across courses; a grade refreshes them. */
export const gradingQueueKey = ['studio', 'grading-queue']
