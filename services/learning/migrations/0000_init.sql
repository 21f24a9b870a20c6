-- Trigram matching for catalog autocomplete; installed database-wide (in public) by the admin that runs migrations.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE SCHEMA "learning";
--> statement-breakpoint
CREATE TABLE "learning"."assignments" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"org_id" text NOT NULL,
	"title" text NOT NULL,
	"instructions" text DEFAULT '' NOT NULL,
	"due_at" timestamp with time zone,
	"late_policy" text DEFAULT 'accept' NOT NULL,
	"late_penalty_percent" integer DEFAULT 0 NOT NULL,
	"rubric" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"pass_points" integer DEFAULT 0 NOT NULL,
	"max_submissions" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."attempt_answers" (
	"attempt_id" text NOT NULL,
	"question_id" text NOT NULL,
	"org_id" text NOT NULL,
	"answer" jsonb NOT NULL,
	"answered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attempt_answers_attempt_id_question_id_pk" PRIMARY KEY("attempt_id","question_id")
);
--> statement-breakpoint
CREATE TABLE "learning"."catalog_entries" (
	"course_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"visibility" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"subtitle" text NOT NULL,
	"description" text NOT NULL,
	"category_id" text,
	"category_slug" text,
	"category_name" text,
	"tags" text[] NOT NULL,
	"level" text NOT NULL,
	"language" text NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"rating" real DEFAULT 0 NOT NULL,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"enrollment_count" integer DEFAULT 0 NOT NULL,
	"instructor_names" text[] DEFAULT '{}'::text[] NOT NULL,
	"lesson_count" integer DEFAULT 0 NOT NULL,
	"duration_seconds" integer DEFAULT 0 NOT NULL,
	"version" integer NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(subtitle, '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')) STORED NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."categories" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."certificates" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"course_id" text NOT NULL,
	"user_id" text NOT NULL,
	"enrollment_id" text NOT NULL,
	"code" text NOT NULL,
	"learner_name" text NOT NULL,
	"course_title" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"credential" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."cohorts" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"capacity" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."course_instructors" (
	"course_id" text NOT NULL,
	"user_id" text NOT NULL,
	"org_id" text NOT NULL,
	"role" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_instructors_course_id_user_id_pk" PRIMARY KEY("course_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "learning"."course_versions" (
	"course_id" text NOT NULL,
	"version" integer NOT NULL,
	"org_id" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"published_by" text NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_versions_course_id_version_pk" PRIMARY KEY("course_id","version")
);
--> statement-breakpoint
CREATE TABLE "learning"."courses" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"subtitle" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category_id" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"level" text DEFAULT 'all_levels' NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"price_minor" integer DEFAULT 0 NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"visibility" text DEFAULT 'public' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"owner_id" text NOT NULL,
	"published_version" integer DEFAULT 0 NOT NULL,
	"has_unpublished_changes" boolean DEFAULT true NOT NULL,
	"review_note" text,
	"review_requested_at" timestamp with time zone,
	"review_requested_by" text,
	"archived_catalog_entry" jsonb,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."enrollments" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"course_id" text NOT NULL,
	"user_id" text NOT NULL,
	"version" integer NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"status" text DEFAULT 'active' NOT NULL,
	"cohort_id" text,
	"expires_at" timestamp with time zone,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"progress_percent" integer DEFAULT 0 NOT NULL,
	"last_lesson_id" text,
	"last_activity_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "learning"."inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"type" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "learning"."jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"key" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cron" text,
	"timezone" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"last_run_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."lesson_progress" (
	"enrollment_id" text NOT NULL,
	"lesson_id" text NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"position_seconds" integer DEFAULT 0 NOT NULL,
	"max_position_seconds" integer DEFAULT 0 NOT NULL,
	"completed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lesson_progress_enrollment_id_lesson_id_pk" PRIMARY KEY("enrollment_id","lesson_id")
);
--> statement-breakpoint
CREATE TABLE "learning"."lessons" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"section_id" text NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"position" integer NOT NULL,
	"duration_seconds" integer DEFAULT 0 NOT NULL,
	"content" jsonb NOT NULL,
	"prerequisite_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_preview" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."org_members" (
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"roles" text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "org_members_org_id_user_id_pk" PRIMARY KEY("org_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "learning"."outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" uuid NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"aggregate_id" text NOT NULL,
	"org_id" text,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "outbox_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "learning"."people" (
	"user_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"display_name" text NOT NULL,
	"email" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."questions" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"prompt" text NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"answer" jsonb NOT NULL,
	"explanation" text DEFAULT '' NOT NULL,
	"points" integer DEFAULT 1 NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."quiz_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"quiz_id" text NOT NULL,
	"course_id" text NOT NULL,
	"lesson_id" text,
	"enrollment_id" text NOT NULL,
	"user_id" text NOT NULL,
	"attempt_no" integer NOT NULL,
	"questions" jsonb NOT NULL,
	"status" text DEFAULT 'in_progress' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deadline_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"score" integer,
	"max_score" integer,
	"passed" boolean,
	"feedback" jsonb
);
--> statement-breakpoint
CREATE TABLE "learning"."quizzes" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"org_id" text NOT NULL,
	"title" text NOT NULL,
	"question_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"draw_count" integer,
	"draw_tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"shuffle_questions" boolean DEFAULT false NOT NULL,
	"shuffle_options" boolean DEFAULT false NOT NULL,
	"time_limit_seconds" integer,
	"max_attempts" integer,
	"pass_percent" integer DEFAULT 70 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."sections" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"org_id" text NOT NULL,
	"title" text NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "learning"."signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_jwk_enc" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "learning"."submissions" (
	"id" text PRIMARY KEY NOT NULL,
	"assignment_id" text NOT NULL,
	"course_id" text NOT NULL,
	"org_id" text NOT NULL,
	"enrollment_id" text NOT NULL,
	"user_id" text NOT NULL,
	"attempt_no" integer NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"links" text[] DEFAULT '{}'::text[] NOT NULL,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'submitted' NOT NULL,
	"rubric_scores" jsonb,
	"score" integer,
	"feedback" text,
	"graded_by" text,
	"graded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "learning"."subscription_access" (
	"subscription_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"product_id" text NOT NULL,
	"plan_ref" text NOT NULL,
	"entitlement" jsonb NOT NULL,
	"status" text NOT NULL,
	"active_until" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "assignments_course_idx" ON "learning"."assignments" USING btree ("course_id");--> statement-breakpoint
CREATE INDEX "catalog_search_idx" ON "learning"."catalog_entries" USING gin ("search");--> statement-breakpoint
CREATE INDEX "catalog_title_trgm_idx" ON "learning"."catalog_entries" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "catalog_visibility_published_idx" ON "learning"."catalog_entries" USING btree ("visibility","published_at","course_id");--> statement-breakpoint
CREATE INDEX "catalog_org_published_idx" ON "learning"."catalog_entries" USING btree ("org_id","published_at","course_id");--> statement-breakpoint
CREATE INDEX "catalog_popular_idx" ON "learning"."catalog_entries" USING btree ("enrollment_count","course_id");--> statement-breakpoint
CREATE INDEX "catalog_rating_idx" ON "learning"."catalog_entries" USING btree ("rating","course_id");--> statement-breakpoint
CREATE INDEX "catalog_price_idx" ON "learning"."catalog_entries" USING btree ("price_minor","course_id");--> statement-breakpoint
CREATE INDEX "catalog_title_sort_idx" ON "learning"."catalog_entries" USING btree ("title","course_id");--> statement-breakpoint
CREATE INDEX "catalog_category_idx" ON "learning"."catalog_entries" USING btree ("category_slug");--> statement-breakpoint
CREATE INDEX "catalog_slug_idx" ON "learning"."catalog_entries" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "catalog_tags_idx" ON "learning"."catalog_entries" USING gin ("tags");--> statement-breakpoint
CREATE UNIQUE INDEX "categories_org_slug_key" ON "learning"."categories" USING btree ("org_id","slug");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_code_key" ON "learning"."certificates" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_enrollment_key" ON "learning"."certificates" USING btree ("enrollment_id");--> statement-breakpoint
CREATE INDEX "cohorts_course_idx" ON "learning"."cohorts" USING btree ("course_id");--> statement-breakpoint
CREATE INDEX "course_instructors_user_idx" ON "learning"."course_instructors" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "courses_org_slug_key" ON "learning"."courses" USING btree ("org_id","slug");--> statement-breakpoint
CREATE INDEX "courses_org_status_idx" ON "learning"."courses" USING btree ("org_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "enrollments_course_user_key" ON "learning"."enrollments" USING btree ("course_id","user_id");--> statement-breakpoint
CREATE INDEX "enrollments_user_idx" ON "learning"."enrollments" USING btree ("user_id","enrolled_at");--> statement-breakpoint
CREATE INDEX "enrollments_org_course_idx" ON "learning"."enrollments" USING btree ("org_id","course_id");--> statement-breakpoint
CREATE INDEX "enrollments_cohort_idx" ON "learning"."enrollments" USING btree ("cohort_id");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "learning"."jobs" USING btree ("run_at") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_pending_key_idx" ON "learning"."jobs" USING btree ("name","key") WHERE status = 'pending' and key is not null;--> statement-breakpoint
CREATE INDEX "lessons_course_idx" ON "learning"."lessons" USING btree ("course_id","section_id","position");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "learning"."outbox" USING btree ("seq") WHERE published_at is null;--> statement-breakpoint
CREATE INDEX "questions_course_idx" ON "learning"."questions" USING btree ("course_id");--> statement-breakpoint
CREATE UNIQUE INDEX "quiz_attempts_no_key" ON "learning"."quiz_attempts" USING btree ("quiz_id","user_id","attempt_no");--> statement-breakpoint
CREATE UNIQUE INDEX "quiz_attempts_in_progress_key" ON "learning"."quiz_attempts" USING btree ("quiz_id","user_id") WHERE status = 'in_progress';--> statement-breakpoint
CREATE INDEX "quiz_attempts_enrollment_idx" ON "learning"."quiz_attempts" USING btree ("enrollment_id");--> statement-breakpoint
CREATE INDEX "quiz_attempts_course_idx" ON "learning"."quiz_attempts" USING btree ("org_id","course_id","id");--> statement-breakpoint
CREATE INDEX "quizzes_course_idx" ON "learning"."quizzes" USING btree ("course_id");--> statement-breakpoint
CREATE INDEX "sections_course_idx" ON "learning"."sections" USING btree ("course_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "submissions_attempt_key" ON "learning"."submissions" USING btree ("assignment_id","user_id","attempt_no");--> statement-breakpoint
CREATE INDEX "submissions_assignment_idx" ON "learning"."submissions" USING btree ("assignment_id","status");--> statement-breakpoint
CREATE INDEX "subscription_access_user_idx" ON "learning"."subscription_access" USING btree ("org_id","user_id","active_until");