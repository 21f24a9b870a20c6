-- btree_gist lets one exclusion constraint combine equality on a tutor with overlap of time ranges
-- (no double booking, enforced by the database); installed database-wide by the admin that runs migrations.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
CREATE SCHEMA "tutoring";
--> statement-breakpoint
CREATE TABLE "tutoring"."availability_exceptions" (
	"id" text PRIMARY KEY NOT NULL,
	"tutor_id" text NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."availability_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"tutor_id" text NOT NULL,
	"org_id" text NOT NULL,
	"weekday" smallint NOT NULL,
	"start_minute" smallint NOT NULL,
	"end_minute" smallint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."bookings" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"tutor_id" text NOT NULL,
	"tutor_user_id" text NOT NULL,
	"learner_id" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"blocks_from" timestamp with time zone NOT NULL,
	"blocks_until" timestamp with time zone NOT NULL,
	"minutes" integer NOT NULL,
	"status" text NOT NULL,
	"trial" boolean DEFAULT false NOT NULL,
	"mode" text DEFAULT 'online' NOT NULL,
	"paid_with" text NOT NULL,
	"price_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"product_ref" text NOT NULL,
	"hold_expires_at" timestamp with time zone,
	"order_id" text,
	"order_item_id" text,
	"credit_id" text,
	"meeting_url" text,
	"note" text DEFAULT '' NOT NULL,
	"booked_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"response_counted" boolean DEFAULT false NOT NULL,
	"learner_confirmed_at" timestamp with time zone,
	"learner_no_show_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"cancelled_by" text,
	"cancel_reason" text,
	"refund_percent" integer,
	"reschedule_count" integer DEFAULT 0 NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."calendar_feeds" (
	"user_id" text NOT NULL,
	"org_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_feeds_org_id_user_id_pk" PRIMARY KEY("org_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "tutoring"."disputes" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"booking_id" text NOT NULL,
	"opened_by" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolution" text,
	"refund_percent" integer,
	"resolved_by" text,
	"resolution_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tutoring"."inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"type" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "tutoring"."jobs" (
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
CREATE TABLE "tutoring"."lesson_credits" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"learner_id" text NOT NULL,
	"tutor_user_id" text NOT NULL,
	"minutes" integer NOT NULL,
	"order_id" text NOT NULL,
	"order_item_id" text NOT NULL,
	"lessons_total" integer NOT NULL,
	"lessons_used" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."match_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"learner_id" text NOT NULL,
	"criteria" jsonb NOT NULL,
	"results" jsonb NOT NULL,
	"replaces_tutor_id" text,
	"replaces_booking_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."outbox" (
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
CREATE TABLE "tutoring"."people" (
	"user_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"display_name" text NOT NULL,
	"email" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."service_areas" (
	"id" text PRIMARY KEY NOT NULL,
	"tutor_id" text NOT NULL,
	"org_id" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"latitude" double precision,
	"longitude" double precision,
	"radius_km" real,
	"postal_codes" text[],
	"country_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."tutor_languages" (
	"tutor_id" text NOT NULL,
	"org_id" text NOT NULL,
	"language" text NOT NULL,
	CONSTRAINT "tutor_languages_tutor_id_language_pk" PRIMARY KEY("tutor_id","language")
);
--> statement-breakpoint
CREATE TABLE "tutoring"."tutor_profiles" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"display_name" text NOT NULL,
	"headline" text DEFAULT '' NOT NULL,
	"bio" text DEFAULT '' NOT NULL,
	"time_zone" text NOT NULL,
	"currency" text NOT NULL,
	"hourly_rate_minor" bigint NOT NULL,
	"lesson_minutes" integer[] NOT NULL,
	"buffer_minutes" integer DEFAULT 0 NOT NULL,
	"packages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trial_minutes" integer,
	"intro_video_ref" text,
	"offers_online" boolean DEFAULT true NOT NULL,
	"offers_in_person" boolean DEFAULT false NOT NULL,
	"verification_status" text DEFAULT 'unverified' NOT NULL,
	"verification_note" text,
	"verification_requested_at" timestamp with time zone,
	"verified_by" text,
	"verified_at" timestamp with time zone,
	"status" text DEFAULT 'draft' NOT NULL,
	"rating_avg" real,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"response_rate" real,
	"response_samples" integer DEFAULT 0 NOT NULL,
	"lessons_taught" integer DEFAULT 0 NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tutoring"."tutor_subjects" (
	"tutor_id" text NOT NULL,
	"org_id" text NOT NULL,
	"subject" text NOT NULL,
	"levels" text[] NOT NULL,
	CONSTRAINT "tutor_subjects_tutor_id_subject_pk" PRIMARY KEY("tutor_id","subject")
);
--> statement-breakpoint
CREATE INDEX "availability_exceptions_tutor_idx" ON "tutoring"."availability_exceptions" USING btree ("tutor_id","starts_at");--> statement-breakpoint
CREATE INDEX "availability_rules_tutor_idx" ON "tutoring"."availability_rules" USING btree ("tutor_id");--> statement-breakpoint
CREATE INDEX "bookings_tutor_time_idx" ON "tutoring"."bookings" USING btree ("tutor_id","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_learner_time_idx" ON "tutoring"."bookings" USING btree ("org_id","learner_id","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_tutor_user_time_idx" ON "tutoring"."bookings" USING btree ("org_id","tutor_user_id","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_status_idx" ON "tutoring"."bookings" USING btree ("status","hold_expires_at");--> statement-breakpoint
CREATE INDEX "bookings_order_idx" ON "tutoring"."bookings" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_order_item_key" ON "tutoring"."bookings" USING btree ("order_item_id") WHERE "tutoring"."bookings"."paid_with" = 'checkout' and "tutoring"."bookings"."order_item_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_feeds_token_key" ON "tutoring"."calendar_feeds" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "disputes_booking_key" ON "tutoring"."disputes" USING btree ("booking_id");--> statement-breakpoint
CREATE INDEX "disputes_org_status_idx" ON "tutoring"."disputes" USING btree ("org_id","status","created_at");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "tutoring"."jobs" USING btree ("run_at") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_pending_key_idx" ON "tutoring"."jobs" USING btree ("name","key") WHERE status = 'pending' and key is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "lesson_credits_order_item_key" ON "tutoring"."lesson_credits" USING btree ("order_item_id");--> statement-breakpoint
CREATE INDEX "lesson_credits_learner_idx" ON "tutoring"."lesson_credits" USING btree ("org_id","learner_id","tutor_user_id");--> statement-breakpoint
CREATE INDEX "match_requests_learner_idx" ON "tutoring"."match_requests" USING btree ("org_id","learner_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "match_requests_replaces_booking_key" ON "tutoring"."match_requests" USING btree ("org_id","replaces_booking_id") WHERE "tutoring"."match_requests"."replaces_booking_id" is not null;--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "tutoring"."outbox" USING btree ("seq") WHERE published_at is null;--> statement-breakpoint
CREATE INDEX "service_areas_tutor_idx" ON "tutoring"."service_areas" USING btree ("tutor_id");--> statement-breakpoint
CREATE INDEX "service_areas_org_idx" ON "tutoring"."service_areas" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "service_areas_org_lat_idx" ON "tutoring"."service_areas" USING btree ("org_id","latitude");--> statement-breakpoint
CREATE INDEX "service_areas_postal_idx" ON "tutoring"."service_areas" USING gin ("postal_codes");--> statement-breakpoint
CREATE INDEX "tutor_languages_org_lang_idx" ON "tutoring"."tutor_languages" USING btree ("org_id","language");--> statement-breakpoint
CREATE UNIQUE INDEX "tutor_profiles_org_user_key" ON "tutoring"."tutor_profiles" USING btree ("org_id","user_id");--> statement-breakpoint
CREATE INDEX "tutor_profiles_org_status_idx" ON "tutoring"."tutor_profiles" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "tutor_profiles_listed_rate_idx" ON "tutoring"."tutor_profiles" USING btree ("org_id","currency","hourly_rate_minor","id") WHERE "tutoring"."tutor_profiles"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "tutor_profiles_verification_idx" ON "tutoring"."tutor_profiles" USING btree ("org_id","verification_status","verification_requested_at");--> statement-breakpoint
CREATE INDEX "tutor_subjects_org_subject_idx" ON "tutoring"."tutor_subjects" USING btree ("org_id","subject");--> statement-breakpoint
-- No double booking, enforced by PostgreSQL: two live bookings of one tutor (or of one learner)
-- never overlap, buffers included. Live = held (not yet expired by the sweep), booked, confirmed.
ALTER TABLE "tutoring"."bookings" ADD CONSTRAINT "bookings_tutor_no_overlap"
  EXCLUDE USING gist ("tutor_id" WITH =, tstzrange("blocks_from", "blocks_until", '[)') WITH &&)
  WHERE ("status" IN ('held', 'booked', 'confirmed'));
--> statement-breakpoint
ALTER TABLE "tutoring"."bookings" ADD CONSTRAINT "bookings_learner_no_overlap"
  EXCLUDE USING gist ("learner_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" IN ('held', 'booked', 'confirmed'));
