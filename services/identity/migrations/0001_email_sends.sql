CREATE TABLE "identity"."email_sends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"purpose" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "email_sends_user_idx" ON "identity"."email_sends" USING btree ("user_id","purpose","at");