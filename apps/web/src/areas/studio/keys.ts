/** The query key of a course's draft; every builder mutation refreshes it. */
export const courseKey = (id: string) => ['studio', 'course', id]
