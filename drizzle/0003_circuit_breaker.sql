CREATE TYPE "public"."breaker_state" AS ENUM('closed', 'open', 'half_open');--> statement-breakpoint
CREATE TABLE "circuit_breaker_state" (
	"endpoint_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"state" "breaker_state" DEFAULT 'closed' NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"successes" integer DEFAULT 0 NOT NULL,
	"opened_at" timestamp with time zone,
	"outage_started_at" timestamp with time zone,
	"trial_id" uuid,
	"trial_until" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "circuit_breaker_transitions" (
	"id" uuid PRIMARY KEY DEFAULT uuid_v7() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"from_state" "breaker_state" NOT NULL,
	"to_state" "breaker_state" NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "breaker_failures" integer;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "breaker_open_for_ms" integer;--> statement-breakpoint
ALTER TABLE "endpoints" ADD COLUMN "breaker_successes" integer;--> statement-breakpoint
ALTER TABLE "circuit_breaker_state" ADD CONSTRAINT "circuit_breaker_state_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "circuit_breaker_state" ADD CONSTRAINT "circuit_breaker_state_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "circuit_breaker_transitions" ADD CONSTRAINT "circuit_breaker_transitions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "circuit_breaker_transitions" ADD CONSTRAINT "circuit_breaker_transitions_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "circuit_breaker_transitions_endpoint_idx" ON "circuit_breaker_transitions" USING btree ("endpoint_id","at");