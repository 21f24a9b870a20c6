// Data and query mix of the `catalog` benchmark: catalog_entries rows generated in PostgreSQL with
// generate_series from word lists (titles, subtitles, descriptions, categories, levels, languages,
// prices, ratings, tags), and a Zipf-distributed mix of a few thousand search requests.
import type { Database } from '@learnmesh/kernel'
import { sql } from '@learnmesh/kernel'

/** Course topics: titles, tags and most search terms are built from these (popular ones first). */
export const TOPICS = [
  'python',
  'javascript',
  'excel',
  'react',
  'sql',
  'marketing',
  'photography',
  'guitar',
  'spanish',
  'drawing',
  'java',
  'aws',
  'docker',
  'kubernetes',
  'typescript',
  'statistics',
  'accounting',
  'finance',
  'investing',
  'piano',
  'yoga',
  'nutrition',
  'leadership',
  'negotiation',
  'writing',
  'copywriting',
  'seo',
  'figma',
  'photoshop',
  'illustrator',
  'blender',
  'unity',
  'rust',
  'golang',
  'kotlin',
  'swift',
  'flutter',
  'android',
  'ios',
  'azure',
  'terraform',
  'linux',
  'networking',
  'cybersecurity',
  'blockchain',
  'trading',
  'economics',
  'psychology',
  'philosophy',
  'history',
  'mindfulness',
  'meditation',
  'cooking',
  'baking',
  'gardening',
  'woodworking',
  'sewing',
  'knitting',
  'calligraphy',
  'animation',
  'filmmaking',
  'podcasting',
  'singing',
  'drums',
  'violin',
  'chess',
  'tableau',
  'pandas',
  'numpy',
  'tensorflow',
  'pytorch',
  'robotics',
  'arduino',
  'electronics',
  'git',
  'agile',
  'scrum',
  'management',
  'sales',
  'ecommerce',
  'shopify',
  'wordpress',
  'html',
  'css',
  'node',
  'django',
  'flask',
  'rails',
  'php',
  'laravel',
  'vue',
  'angular',
  'svelte',
  'graphql',
  'mongodb',
  'postgresql',
  'redis',
  'kafka',
  'spark',
  'airflow',
  'french',
  'german',
  'japanese',
  'mandarin',
  'italian',
  'portuguese',
  'calculus',
  'algebra',
  'geometry',
  'physics',
  'chemistry',
  'biology',
  'astronomy',
  'watercolor',
  'painting',
  'sculpture',
  'ceramics',
  'fitness',
  'running',
  'cycling',
  'swimming',
  'parenting',
  'productivity',
  'branding',
  'ux',
  'accessibility',
]

const TITLE_HEADS = [
  'Complete',
  'Practical',
  'Modern',
  'Essential',
  'Advanced',
  'Ultimate',
  'Hands-on',
  'Applied',
  'Professional',
  'Introduction to',
  'Mastering',
  'Learn',
  'The Art of',
  'Foundations of',
  'Real-World',
]
const TITLE_TAILS = [
  'Bootcamp',
  'Masterclass',
  'Fundamentals',
  'Crash Course',
  'Guide',
  'Workshop',
  'in Practice',
  'from Scratch',
  'Projects',
  'Deep Dive',
  'for Beginners',
  'for Professionals',
  'Certification Prep',
  '',
  '',
]

/** Description vocabulary (besides topics). */
export const VOCABULARY = (
  'learn build create understand master apply design develop analyze explore practice improve ' +
  'project projects skills skill career job interview portfolio exercise exercises quiz quizzes example examples ' +
  'beginner beginners intermediate expert experts professional professionals student students teacher instructor ' +
  'step steps guide lesson lessons video videos hands real world industry business team teams company startup ' +
  'data model models system systems network application applications app apps web mobile cloud server client ' +
  'code coding program programming software hardware tool tools technique techniques method methods theory ' +
  'practical fundamental advanced modern essential complete simple clear fast efficient effective powerful ' +
  'confidence creativity problem problems solution solutions challenge challenges strategy strategies plan ' +
  'course module modules chapter section week weeks hour hours minute minutes day days year years ' +
  'basic basics core concept concepts principle principles pattern patterns practice practices habit habits ' +
  'design designs layout color colors light shadow composition texture sound rhythm melody harmony voice ' +
  'money budget market markets customer customers product products growth revenue profit brand audience ' +
  'health body mind energy focus stress sleep balance strength flexibility posture breathing diet recipe ' +
  'language grammar vocabulary conversation pronunciation reading listening speaking culture travel ' +
  'history science math research experiment lab analysis report chart charts dashboard automation workflow ' +
  'security privacy risk test testing debug debugging deploy deployment performance scale scaling database ' +
  'api apis interface component components framework library libraries function functions class classes ' +
  'object objects type types algorithm algorithms structure structures machine learning deep neural vision ' +
  'natural processing statistics probability regression classification clustering visualization insight ' +
  'story stories character characters scene scenes camera lens edit editing film photo photos portrait ' +
  'landscape studio print digital traditional sketch sketches ink pencil brush canvas paper wood metal ' +
  'garden plant plants soil seed seeds harvest kitchen bread cake dough oven knife sauce flavor spice ' +
  'leader leaders manager managers meeting meetings feedback goal goals result results success career ' +
  'certificate exam exams certification preparation review tips tricks secrets mistakes myths truth'
).split(/\s+/)

const CATEGORIES: [string, string][] = [
  ['development', 'Development'],
  ['business', 'Business'],
  ['finance', 'Finance & Accounting'],
  ['it-software', 'IT & Software'],
  ['office', 'Office Productivity'],
  ['personal-development', 'Personal Development'],
  ['design', 'Design'],
  ['marketing', 'Marketing'],
  ['lifestyle', 'Lifestyle'],
  ['photography', 'Photography & Video'],
  ['health', 'Health & Fitness'],
  ['music', 'Music'],
  ['teaching', 'Teaching & Academics'],
  ['languages', 'Languages'],
  ['data-science', 'Data Science'],
  ['cloud', 'Cloud Computing'],
  ['security', 'Security'],
  ['art', 'Art'],
  ['cooking', 'Cooking'],
  ['crafts', 'Crafts'],
  ['science', 'Science'],
  ['math', 'Mathematics'],
  ['writing', 'Writing'],
  ['parenting', 'Parenting'],
]
const LEVELS = ['beginner', 'beginner', 'intermediate', 'intermediate', 'advanced', 'all_levels']
const LANGUAGES = [
  'en',
  'en',
  'en',
  'en',
  'en',
  'en',
  'es',
  'es',
  'pt-BR',
  'fr',
  'de',
  'ja',
  'hi',
  'zh',
  'it',
  'ru',
]
const PRICES = [0, 0, 0, 999, 1299, 1499, 1999, 2499, 2999, 3999, 4999, 5999, 7999, 9999, 12999, 19999]
/** Organizations the generated courses belong to. */
export const BENCH_ORGS = 200

const lit = (values: (string | number)[]) =>
  `array[${values.map((v) => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`)).join(',')}]`

/**
 * Inserts courses number `from`+1 … `to` into learning.catalog_entries (ids `crs_<hex of n>`).
 * Popular topics are more frequent (random()² skews towards the head of TOPICS).
 */
export async function seedCatalog(database: Database, from: number, to: number): Promise<void> {
  const topics = lit(TOPICS)
  const nt = TOPICS.length
  const pick = (arr: string, n: number, skew = false) =>
    `(${arr})[1 + floor(${skew ? 'power(random(), 2)' : 'random()'} * ${n})::int]`
  const vocab = lit([...VOCABULARY, ...TOPICS])
  const nv = VOCABULARY.length + TOPICS.length
  const query = `
    insert into learning.catalog_entries (course_id, org_id, visibility, slug, title, subtitle, description,
      category_id, category_slug, category_name, tags, level, language, price_minor, currency, rating,
      rating_count, enrollment_count, instructor_names, lesson_count, duration_seconds, version, published_at)
    select 'crs_' || lpad(to_hex(g), 32, '0'), 'org_bench_' || (g % ${BENCH_ORGS}),
      case when g % 20 = 0 then 'org' else 'public' end,
      'course-' || g,
      r.head || ' ' || initcap(r.t1) || case when r.tail = '' then '' else ' ' || r.tail end,
      initcap(${pick(vocab, nv)}) || ' ' || r.t2 || ' ' || ${pick(vocab, nv)} || ', ' || ${pick(vocab, nv)} || ' and ' || r.t3,
      (select string_agg(${pick(vocab, nv)}, ' ') from generate_series(1, 16 + (g % 14) + 0 * g)) || ' ' || r.t1,
      null, (${lit(CATEGORIES.map((c) => c[0]))})[r.cat], (${lit(CATEGORIES.map((c) => c[1]))})[r.cat],
      array[r.t1, r.t2], ${pick(lit(LEVELS), LEVELS.length)}, ${pick(lit(LANGUAGES), LANGUAGES.length)},
      ${pick(lit(PRICES), PRICES.length)}, 'USD',
      case when r.rated then round((2.5 + random() * 2.5)::numeric, 1)::real else 0 end,
      case when r.rated then 1 + floor(random() * 2000)::int else 0 end,
      floor(exp(random() * 11))::int,
      array['Instructor ' || (g % 7919)], 5 + g % 80, 600 * (5 + g % 80), 1,
      now() - (random() * interval '1500 days')
    from generate_series(${from + 1}, ${to}) g,
    lateral (select ${pick(topics, nt, true)} as t1, ${pick(topics, nt)} as t2, ${pick(topics, nt)} as t3,
      ${pick(lit(TITLE_HEADS), TITLE_HEADS.length)} as head, ${pick(lit(TITLE_TAILS), TITLE_TAILS.length)} as tail,
      1 + floor(random() * ${CATEGORIES.length})::int as cat, random() > 0.1 as rated, g as gg) r`
  await database.query(sql.raw(query))
}

/** A small deterministic PRNG (mulberry32), so every run sends the same mix. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A few thousand distinct search requests (text terms × filters × sorts) and a Zipf(s) sampler
 * over them: the head is requested often (and mostly served from the catalog's cache), the long
 * tail reaches PostgreSQL.
 */
export function queryMix(options: { distinct: number; s: number; prefix: string; seed?: number }) {
  const rnd = prng(options.seed ?? 42)
  const any = <T>(arr: readonly T[]): T => arr[Math.floor(rnd() * arr.length)]!
  // What people type: topics (the most popular searches), topic + qualifier, topic pairs, and some
  // specific words; never only generic words like "learn".
  const qualifiers = [
    'beginners',
    'advanced',
    'bootcamp',
    'masterclass',
    'fundamentals',
    'projects',
    'guide',
    'workshop',
    'complete',
    'practical',
    'modern',
    'essential',
    'professional',
    'certification',
    '"from scratch"',
    '"crash course"',
    '"deep dive"',
  ]
  const rest: string[] = []
  for (const t of TOPICS) for (const q of qualifiers) rest.push(`${t} ${q}`)
  for (let i = 0; i < 1200; i++) rest.push(`${any(TOPICS)} ${any(TOPICS)}`)
  for (const v of VOCABULARY.slice(200)) rest.push(`${any(TOPICS)} ${v}`)
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[rest[i], rest[j]] = [rest[j]!, rest[i]!]
  }
  const terms = [...TOPICS, ...rest]
  const paths: string[] = []
  for (let i = 0; i < options.distinct; i++) {
    const p = new URLSearchParams()
    if (rnd() < 0.85) p.set('q', terms[i % terms.length]!)
    if (rnd() < 0.2) p.append('category', any(CATEGORIES)[0])
    if (rnd() < 0.15) p.append('level', any(LEVELS))
    if (rnd() < 0.1) p.append('language', any(LANGUAGES))
    if (rnd() < 0.15) p.append('price', any(['free', 'lt_20', '20_50', '50_100', 'gte_100']))
    if (rnd() < 0.1) p.set('minRating', any(['3', '3.5', '4', '4.5']))
    const r = rnd()
    if (r < 0.12) p.set('sort', 'popular')
    else if (r < 0.2) p.set('sort', 'rating')
    else if (r < 0.25) p.set('sort', 'newest')
    else if (r < 0.28) p.set('sort', 'price_asc')
    p.set('limit', '20')
    paths.push(`${options.prefix}?${p.toString()}`)
  }
  // Zipf: weight of rank k is 1 / k^s; sample by binary search over the cumulative weights.
  const cumulative: number[] = []
  let sum = 0
  for (let k = 1; k <= paths.length; k++) cumulative.push((sum += 1 / k ** options.s))
  return {
    paths,
    /** One path drawn from the Zipf distribution (uses Math.random: each connection draws independently). */
    pick(): string {
      const x = Math.random() * sum
      let lo = 0
      let hi = cumulative.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (cumulative[mid]! < x) lo = mid + 1
        else hi = mid
      }
      return paths[lo]!
    },
  }
}
