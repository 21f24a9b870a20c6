CREATE SCHEMA "commerce";
--> statement-breakpoint
CREATE TABLE "commerce"."attention_actions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"item_id" text NOT NULL,
	"action" text NOT NULL,
	"note" text,
	"actor_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."card_expiries" (
	"order_id" text PRIMARY KEY NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."cart_items" (
	"cart_id" text NOT NULL,
	"price_id" text NOT NULL,
	"reference" text DEFAULT '' NOT NULL,
	"quantity" integer DEFAULT 1 NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cart_items_cart_id_price_id_reference_pk" PRIMARY KEY("cart_id","price_id","reference")
);
--> statement-breakpoint
CREATE TABLE "commerce"."carts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text,
	"guest_token_hash" text,
	"currency" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"coupon_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."coupon_redemptions" (
	"coupon_id" text NOT NULL,
	"order_id" text NOT NULL,
	"user_id" text NOT NULL,
	"org_id" text NOT NULL,
	"discount_minor" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "coupon_redemptions_coupon_id_order_id_pk" PRIMARY KEY("coupon_id","order_id")
);
--> statement-breakpoint
CREATE TABLE "commerce"."coupons" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"percent_off" integer,
	"amount_off_minor" bigint,
	"currency" text,
	"product_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"max_redemptions" integer,
	"max_per_user" integer,
	"redeemed_count" integer DEFAULT 0 NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"stackable" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."escrow_holds" (
	"id" text PRIMARY KEY NOT NULL,
	"order_item_id" text NOT NULL,
	"order_id" text NOT NULL,
	"org_id" text NOT NULL,
	"payee_user_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"released_minor" bigint DEFAULT 0 NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"lessons_total" integer NOT NULL,
	"lessons_released" integer DEFAULT 0 NOT NULL,
	"lessons_cancelled" integer DEFAULT 0 NOT NULL,
	"refundable_minor" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'held' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."escrow_lessons" (
	"booking_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"hold_id" text NOT NULL,
	"outcome" text NOT NULL,
	"share_minor" bigint NOT NULL,
	"commission_minor" bigint DEFAULT 0 NOT NULL,
	"transaction_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."idempotency_keys" (
	"principal" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	CONSTRAINT "idempotency_keys_principal_key_pk" PRIMARY KEY("principal","key")
);
--> statement-breakpoint
CREATE TABLE "commerce"."inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"type" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "commerce"."invoice_counters" (
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"year" integer NOT NULL,
	"next" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "invoice_counters_org_id_kind_year_pk" PRIMARY KEY("org_id","kind","year")
);
--> statement-breakpoint
CREATE TABLE "commerce"."invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"order_id" text NOT NULL,
	"refund_id" text,
	"invoice_id" text,
	"user_id" text NOT NULL,
	"number" text NOT NULL,
	"year" integer NOT NULL,
	"sequence" integer NOT NULL,
	"currency" text NOT NULL,
	"subtotal_minor" bigint NOT NULL,
	"tax_minor" bigint NOT NULL,
	"total_minor" bigint NOT NULL,
	"tax_rate_basis_points" integer NOT NULL,
	"tax_label" text NOT NULL,
	"issuer_name" text NOT NULL,
	"lines" jsonb NOT NULL,
	"status" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."jobs" (
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
CREATE TABLE "commerce"."ledger_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"owner_id" text DEFAULT '' NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"transaction_id" text NOT NULL,
	"account_id" text NOT NULL,
	"org_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"memo" text DEFAULT '' NOT NULL,
	"payee_user_id" text,
	"order_item_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."ledger_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"description" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."order_items" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"org_id" text NOT NULL,
	"product_id" text NOT NULL,
	"price_id" text NOT NULL,
	"product_type" text NOT NULL,
	"product_ref" text NOT NULL,
	"payee_user_id" text,
	"title" text NOT NULL,
	"quantity" integer NOT NULL,
	"lesson_count" integer DEFAULT 1 NOT NULL,
	"unit_amount_minor" bigint NOT NULL,
	"discount_minor" bigint DEFAULT 0 NOT NULL,
	"tax_minor" bigint DEFAULT 0 NOT NULL,
	"amount_minor" bigint NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"reference" text
);
--> statement-breakpoint
CREATE TABLE "commerce"."orders" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"subtotal_minor" bigint NOT NULL,
	"discount_minor" bigint DEFAULT 0 NOT NULL,
	"tax_minor" bigint DEFAULT 0 NOT NULL,
	"total_minor" bigint NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"coupon_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paid_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "commerce"."outbox" (
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
CREATE TABLE "commerce"."payments" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"org_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text,
	"status" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"captured_minor" bigint DEFAULT 0 NOT NULL,
	"refunded_minor" bigint DEFAULT 0 NOT NULL,
	"fee_minor" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"failure_code" text,
	"next_action" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."payout_accounts" (
	"user_id" text NOT NULL,
	"org_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_account_ref" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payout_accounts_org_id_user_id_pk" PRIMARY KEY("org_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "commerce"."payouts" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"payee_user_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text,
	"status" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paid_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "commerce"."plan_entitlements" (
	"product_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"entitlement" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."prices" (
	"id" text PRIMARY KEY NOT NULL,
	"product_id" text NOT NULL,
	"org_id" text NOT NULL,
	"currency" text NOT NULL,
	"unit_amount_minor" bigint NOT NULL,
	"lesson_count" integer DEFAULT 1 NOT NULL,
	"interval" text,
	"trial_days" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."products" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"ref" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"payee_user_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."provider_events" (
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_events_provider_event_id_pk" PRIMARY KEY("provider","event_id")
);
--> statement-breakpoint
CREATE TABLE "commerce"."refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"order_id" text NOT NULL,
	"org_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"provider_ref" text,
	"failure_code" text,
	"items" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."stellar_cursors" (
	"account_id" text PRIMARY KEY NOT NULL,
	"cursor" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."stellar_receipts" (
	"tx_hash" text PRIMARY KEY NOT NULL,
	"memo" text,
	"payment_id" text,
	"from_account" text NOT NULL,
	"received" jsonb NOT NULL,
	"outcome" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."subscription_charges" (
	"id" text PRIMARY KEY NOT NULL,
	"subscription_id" text NOT NULL,
	"org_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"attempt" integer NOT NULL,
	"order_id" text NOT NULL,
	"payment_id" text,
	"amount_minor" bigint NOT NULL,
	"status" text NOT NULL,
	"failure_code" text,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"call_attempts" integer DEFAULT 0 NOT NULL,
	"next_call_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"product_id" text NOT NULL,
	"plan_ref" text NOT NULL,
	"price_id" text NOT NULL,
	"title" text NOT NULL,
	"currency" text NOT NULL,
	"unit_amount_minor" bigint NOT NULL,
	"interval" text NOT NULL,
	"status" text NOT NULL,
	"order_id" text NOT NULL,
	"trial_days" integer DEFAULT 0 NOT NULL,
	"trial_end" timestamp with time zone,
	"billing_anchor" timestamp with time zone,
	"periods_paid" integer DEFAULT 0 NOT NULL,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"failed_attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"payment_method_ref" text NOT NULL,
	"cancel_reason" text,
	"cancelled_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commerce"."tutor_listings" (
	"org_id" text NOT NULL,
	"tutor_id" text NOT NULL,
	"listed_at" timestamp with time zone NOT NULL,
	"event_id" text NOT NULL,
	"active" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tutor_listings_org_id_tutor_id_pk" PRIMARY KEY("org_id","tutor_id")
);
--> statement-breakpoint
CREATE TABLE "commerce"."tutor_teaching_totals" (
	"org_id" text NOT NULL,
	"tutor_id" text NOT NULL,
	"minutes_taught" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tutor_teaching_totals_org_id_tutor_id_pk" PRIMARY KEY("org_id","tutor_id")
);
--> statement-breakpoint
CREATE INDEX "attention_actions_item_idx" ON "commerce"."attention_actions" USING btree ("kind","item_id");--> statement-breakpoint
CREATE UNIQUE INDEX "attention_actions_resolved_key" ON "commerce"."attention_actions" USING btree ("kind","item_id") WHERE action = 'resolve';--> statement-breakpoint
CREATE UNIQUE INDEX "carts_open_user_key" ON "commerce"."carts" USING btree ("org_id","user_id") WHERE status = 'open' and user_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "carts_guest_key" ON "commerce"."carts" USING btree ("guest_token_hash") WHERE guest_token_hash is not null;--> statement-breakpoint
CREATE INDEX "coupon_redemptions_user_idx" ON "commerce"."coupon_redemptions" USING btree ("coupon_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "coupons_org_code_key" ON "commerce"."coupons" USING btree ("org_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "escrow_holds_item_key" ON "commerce"."escrow_holds" USING btree ("order_item_id");--> statement-breakpoint
CREATE INDEX "escrow_lessons_hold_idx" ON "commerce"."escrow_lessons" USING btree ("hold_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_key" ON "commerce"."invoices" USING btree ("org_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_sequence_key" ON "commerce"."invoices" USING btree ("org_id","kind","year","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_order_key" ON "commerce"."invoices" USING btree ("order_id") WHERE kind = 'invoice';--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_refund_key" ON "commerce"."invoices" USING btree ("refund_id") WHERE kind = 'credit_note';--> statement-breakpoint
CREATE INDEX "invoices_user_idx" ON "commerce"."invoices" USING btree ("org_id","user_id","issued_at","id");--> statement-breakpoint
CREATE INDEX "invoices_org_idx" ON "commerce"."invoices" USING btree ("org_id","issued_at","id");--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "commerce"."jobs" USING btree ("run_at") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_pending_key_idx" ON "commerce"."jobs" USING btree ("name","key") WHERE status = 'pending' and key is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_accounts_key" ON "commerce"."ledger_accounts" USING btree ("org_id","kind","owner_id","currency");--> statement-breakpoint
CREATE INDEX "ledger_entries_account_idx" ON "commerce"."ledger_entries" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "ledger_entries_tx_idx" ON "commerce"."ledger_entries" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_item_idx" ON "commerce"."ledger_entries" USING btree ("order_item_id") WHERE order_item_id is not null;--> statement-breakpoint
CREATE INDEX "ledger_entries_payee_idx" ON "commerce"."ledger_entries" USING btree ("org_id","payee_user_id","created_at") WHERE payee_user_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_transactions_kind_ref_key" ON "commerce"."ledger_transactions" USING btree ("kind","ref");--> statement-breakpoint
CREATE INDEX "order_items_order_idx" ON "commerce"."order_items" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "orders_user_idx" ON "commerce"."orders" USING btree ("org_id","user_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "commerce"."outbox" USING btree ("seq") WHERE published_at is null;--> statement-breakpoint
CREATE INDEX "payments_order_idx" ON "commerce"."payments" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_ref_key" ON "commerce"."payments" USING btree ("provider","provider_ref") WHERE provider_ref is not null;--> statement-breakpoint
CREATE INDEX "payouts_payee_idx" ON "commerce"."payouts" USING btree ("org_id","payee_user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payouts_period_key" ON "commerce"."payouts" USING btree ("org_id","payee_user_id","currency","period_end");--> statement-breakpoint
CREATE INDEX "prices_product_idx" ON "commerce"."prices" USING btree ("product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "products_org_type_ref_key" ON "commerce"."products" USING btree ("org_id","type","ref");--> statement-breakpoint
CREATE INDEX "refunds_order_idx" ON "commerce"."refunds" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "stellar_receipts_memo_idx" ON "commerce"."stellar_receipts" USING btree ("memo");--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_charges_attempt_key" ON "commerce"."subscription_charges" USING btree ("subscription_id","period_start","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_charges_order_key" ON "commerce"."subscription_charges" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_charges_paid_key" ON "commerce"."subscription_charges" USING btree ("subscription_id","period_start") WHERE status = 'succeeded';--> statement-breakpoint
CREATE INDEX "subscriptions_user_idx" ON "commerce"."subscriptions" USING btree ("org_id","user_id","id");--> statement-breakpoint
CREATE INDEX "subscriptions_order_idx" ON "commerce"."subscriptions" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "subscriptions_due_idx" ON "commerce"."subscriptions" USING btree ("current_period_end") WHERE status in ('trialing', 'active', 'past_due');--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_live_key" ON "commerce"."subscriptions" USING btree ("org_id","user_id","product_id") WHERE status in ('trialing', 'active', 'past_due');