import { Type, IdString } from '@learnmesh/kernel'

const Slug = Type.String({
  pattern: '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$',
  description: 'Lower-case letters, digits and dashes (1–64); unique in the organization.',
})
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Display name.' })

/** Path with a category id. */
export const CategoryParams = Type.Object(
  {
    /** Category id (`cat_...`). */
    categoryId: IdString('cat', 'Category id'),
  },
  { additionalProperties: false },
)

/** GET /categories query. */
export const ListCategoriesQuery = Type.Object(
  {
    /**
     * Another organization's public categories (those used by a course in the public catalog);
     * required when anonymous, defaults to the caller's organization.
     */
    orgId: Type.Optional(Type.String({ pattern: '^org_[0-9a-f]{32}$', description: 'Organization id' })),
  },
  { additionalProperties: false },
)

/** POST /categories. */
export const CreateCategoryBody = Type.Object(
  {
    /** Display name. */
    name: Name,
    /** URL name; derived from the name when absent. */
    slug: Type.Optional(Slug),
  },
  { additionalProperties: false },
)

/** PATCH /categories/:categoryId. */
export const UpdateCategoryBody = Type.Object(
  {
    /** New display name. */
    name: Type.Optional(Name),
    /** New URL name. */
    slug: Type.Optional(Slug),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** A course category. */
export const CategorySchema = Type.Object({
  /** Category id (`cat_...`). */
  id: Type.String(),
  /** Organization id. */
  orgId: Type.String(),
  /** URL name, unique in the organization. */
  slug: Type.String(),
  /** Display name. */
  name: Type.String(),
  /** Creation time. */
  createdAt: Type.String({ format: 'date-time' }),
})

/** GET /categories. */
export const CategoriesResponse = Type.Object({
  /** Categories by name. */
  items: Type.Array(CategorySchema),
})
