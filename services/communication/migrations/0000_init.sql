CREATE SCHEMA "communication";
--> statement-breakpoint
CREATE TABLE "communication"."conversation_participants" (
	"conversation_id" text NOT NULL,
	"user_id" text NOT NULL,
	"org_id" text NOT NULL,
	"role" text NOT NULL,
	"last_read_message_id" text,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_participants_conversation_id_user_id_pk" PRIMARY KEY("conversation_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "communication"."conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"title" text,
	"direct_key" text,
	"course_id" text,
	"created_by" text,
	"last_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."course_enrollments" (
	"enrollment_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"course_id" text NOT NULL,
	"user_id" text NOT NULL,
	"active" boolean NOT NULL,
	"changed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."courses" (
	"course_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"title" text NOT NULL,
	"slug" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."delivery_settings" (
	"user_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"quiet_start_minute" smallint,
	"quiet_end_minute" smallint,
	"digest_hour" smallint DEFAULT 8 NOT NULL,
	"email_opt_out" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."emails" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"user_id" text,
	"to_address" text NOT NULL,
	"subject" text NOT NULL,
	"html" text NOT NULL,
	"text" text NOT NULL,
	"template" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"message_id" text,
	"send_after" timestamp with time zone DEFAULT now() NOT NULL,
	"source_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "communication"."inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"type" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "communication"."jobs" (
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
CREATE TABLE "communication"."leads" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"interest" text,
	"message" text,
	"consent" boolean NOT NULL,
	"status" text NOT NULL,
	"notes" text,
	"user_id" text,
	"converted_at" timestamp with time zone,
	"ip_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."lessons" (
	"booking_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"tutor_user_id" text NOT NULL,
	"learner_id" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"meeting_url" text,
	"status" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."listed_tutors" (
	"user_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"active" boolean NOT NULL,
	"listed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."messages" (
	"id" text PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"org_id" text NOT NULL,
	"sender_id" text NOT NULL,
	"client_message_id" text NOT NULL,
	"body" text NOT NULL,
	"attachments" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"kind" text DEFAULT 'user' NOT NULL,
	"event" jsonb
);
--> statement-breakpoint
CREATE TABLE "communication"."notification_preferences" (
	"user_id" text NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"channel" text NOT NULL,
	"enabled" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_preferences_user_id_type_channel_pk" PRIMARY KEY("user_id","type","channel")
);
--> statement-breakpoint
CREATE TABLE "communication"."notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"link" text,
	"priority" text NOT NULL,
	"in_app" boolean DEFAULT true NOT NULL,
	"source_key" text NOT NULL,
	"read_at" timestamp with time zone,
	"digested_at" timestamp with time zone,
	"digest_pending" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."org_group_departures" (
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"last_read_message_id" text,
	"departed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "org_group_departures_org_id_user_id_conversation_id_pk" PRIMARY KEY("org_id","user_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "communication"."org_members" (
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"roles" text[] NOT NULL,
	"removed" boolean NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "org_members_org_id_user_id_pk" PRIMARY KEY("org_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "communication"."outbox" (
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
CREATE TABLE "communication"."people" (
	"user_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"display_name" text NOT NULL,
	"email" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."push_subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_success_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "communication"."push_vapid_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"public_key" text NOT NULL,
	"private_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."sequence_enrollments" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"sequence_id" text NOT NULL,
	"status" text NOT NULL,
	"next_step" integer DEFAULT 0 NOT NULL,
	"stop_reason" text,
	"goal_reached_at" timestamp with time zone,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "communication"."sequence_pauses" (
	"org_id" text NOT NULL,
	"sequence_id" text NOT NULL,
	"paused_by" text NOT NULL,
	"paused_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sequence_pauses_org_id_sequence_id_pk" PRIMARY KEY("org_id","sequence_id")
);
--> statement-breakpoint
CREATE TABLE "communication"."unsubscribes" (
	"user_id" text NOT NULL,
	"scope" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unsubscribes_user_id_scope_pk" PRIMARY KEY("user_id","scope")
);
--> statement-breakpoint
CREATE INDEX "conversation_participants_user_idx" ON "communication"."conversation_participants" USING btree ("user_id","org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_direct_key" ON "communication"."conversations" USING btree ("org_id","direct_key");--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_course" ON "communication"."conversations" USING btree ("org_id","course_id");--> statement-breakpoint
CREATE INDEX "course_enrollments_user_idx" ON "communication"."course_enrollments" USING btree ("org_id","user_id","course_id");--> statement-breakpoint
CREATE UNIQUE INDEX "emails_source_key" ON "communication"."emails" USING btree ("to_address","template","source_key");--> statement-breakpoint
CREATE INDEX "emails_created_idx" ON "communication"."emails" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "emails_user_idx" ON "communication"."emails" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "communication"."jobs" USING btree ("run_at") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_pending_key_idx" ON "communication"."jobs" USING btree ("name","key") WHERE status = 'pending' and key is not null;--> statement-breakpoint
CREATE INDEX "leads_org_status_idx" ON "communication"."leads" USING btree ("org_id","status","id");--> statement-breakpoint
CREATE INDEX "leads_org_email_idx" ON "communication"."leads" USING btree ("org_id","email");--> statement-breakpoint
CREATE INDEX "leads_ip_idx" ON "communication"."leads" USING btree ("ip_hash","created_at");--> statement-breakpoint
CREATE INDEX "leads_email_created_idx" ON "communication"."leads" USING btree ("email","created_at");--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "communication"."messages" USING btree ("conversation_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_client_id" ON "communication"."messages" USING btree ("conversation_id","sender_id","client_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_source_key" ON "communication"."notifications" USING btree ("user_id","type","source_key");--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "communication"."notifications" USING btree ("org_id","user_id","id");--> statement-breakpoint
CREATE INDEX "notifications_digest_idx" ON "communication"."notifications" USING btree ("digest_pending","user_id");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "communication"."outbox" USING btree ("seq") WHERE published_at is null;--> statement-breakpoint
CREATE INDEX "people_org_name_idx" ON "communication"."people" USING btree ("org_id",lower("display_name"));--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_endpoint" ON "communication"."push_subscriptions" USING btree ("endpoint");--> statement-breakpoint
CREATE INDEX "push_subscriptions_user_idx" ON "communication"."push_subscriptions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sequence_enrollments_user_seq" ON "communication"."sequence_enrollments" USING btree ("user_id","sequence_id");--> statement-breakpoint
CREATE INDEX "sequence_enrollments_org_idx" ON "communication"."sequence_enrollments" USING btree ("org_id","sequence_id","status");