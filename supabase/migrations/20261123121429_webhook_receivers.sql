-- The receiving side of the webhook gateway: tables for the edge functions in supabase/functions.
--
-- Tables:
--   processed_webhooks                 idempotency claims, one row per webhook id (identical to
--                                      PROCESSED_WEBHOOKS_DDL in src/receiver/postgres-store.ts)
--   webhook_events                     webhook-event-logger: one row per webhook id
--   webhook_notifications              webhook-external-notifier: one row per webhook id, its last outcome
--   edge_circuit_breakers              the notifier's breaker on the email provider, one row per key
--   edge_circuit_breaker_transitions   every breaker transition, in order
-- Function:
--   edge_circuit_breaker_save(key, expected_version, state, failures, successes, opened_at,
--     outage_started_at, trial_id, trial_until, transitions jsonb) -> boolean
--     the breaker store's compare-and-set (src/breaker/store.ts): writes the state only if the stored
--     version still equals expected_version (0 = no row yet), and appends the transitions in the
--     same statement. Called by both the postgres.js and the supabase-js (rpc) stores.
--
-- The functions connect as the service role (or the database owner), so row level security is on
-- with no policies: the anon and authenticated roles of the Data API see nothing.

create table if not exists processed_webhooks (
  webhook_id text primary key,
  status text not null check (status in ('processing', 'processed')),
  claim_token text,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  locked_until timestamptz,
  webhook_timestamp timestamptz,
  event_type text,
  constraint processed_webhooks_state check (
    (status = 'processing' and claim_token is not null and locked_until is not null and processed_at is null)
    or (status = 'processed' and processed_at is not null and locked_until is null and claim_token is null)
  )
);
create index if not exists processed_webhooks_received_at_idx on processed_webhooks (received_at);

create table if not exists webhook_events (
  id uuid primary key default gen_random_uuid(),
  webhook_id text not null unique,
  event_id text,
  event_type text,
  payload jsonb not null,
  webhook_timestamp timestamptz,
  received_at timestamptz not null default now()
);
create index if not exists webhook_events_type_received_idx on webhook_events (event_type, received_at);

create table if not exists webhook_notifications (
  id uuid primary key default gen_random_uuid(),
  webhook_id text not null unique,
  event_id text,
  event_type text,
  recipient text,
  status text not null check (status in ('sent', 'failed')),
  provider_message_id text,
  error text,
  -- Calls made to the email provider for this webhook (a rejection by the open breaker makes none).
  attempts integer not null default 0 check (attempts >= 0),
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint webhook_notifications_sent check (status <> 'sent' or sent_at is not null)
);
create index if not exists webhook_notifications_status_idx on webhook_notifications (status, updated_at);

create table if not exists edge_circuit_breakers (
  key text primary key,
  state text not null default 'closed' check (state in ('closed', 'open', 'half_open')),
  failures integer not null default 0,
  successes integer not null default 0,
  opened_at timestamptz,
  outage_started_at timestamptz,
  trial_id text,
  trial_until timestamptz,
  version integer not null default 0,
  updated_at timestamptz not null default now()
);

create table if not exists edge_circuit_breaker_transitions (
  id bigint generated always as identity primary key,
  key text not null references edge_circuit_breakers (key) on delete cascade,
  from_state text not null check (from_state in ('closed', 'open', 'half_open')),
  to_state text not null check (to_state in ('closed', 'open', 'half_open')),
  reason text not null,
  at timestamptz not null
);
create index if not exists edge_circuit_breaker_transitions_key_idx on edge_circuit_breaker_transitions (key, at);

create or replace function edge_circuit_breaker_save(
  p_key text,
  p_expected_version integer,
  p_state text,
  p_failures integer,
  p_successes integer,
  p_opened_at timestamptz,
  p_outage_started_at timestamptz,
  p_trial_id text,
  p_trial_until timestamptz,
  p_transitions jsonb
) returns boolean
language sql
set search_path = public
as $$
  with saved as (
    insert into edge_circuit_breakers as cb (key, state, failures, successes, opened_at, outage_started_at,
      trial_id, trial_until, version, updated_at)
    values (p_key, p_state, p_failures, p_successes, p_opened_at, p_outage_started_at,
      p_trial_id, p_trial_until, p_expected_version + 1, now())
    on conflict (key) do update set state = excluded.state, failures = excluded.failures,
      successes = excluded.successes, opened_at = excluded.opened_at,
      outage_started_at = excluded.outage_started_at, trial_id = excluded.trial_id,
      trial_until = excluded.trial_until, version = excluded.version, updated_at = now()
    where cb.version = p_expected_version
    returning cb.key
  ), logged as (
    insert into edge_circuit_breaker_transitions (key, from_state, to_state, reason, at)
    select s.key, t.from_state, t.to_state, t.reason, t.at
    from saved s
    cross join jsonb_to_recordset(coalesce(p_transitions, '[]'::jsonb))
      as t(from_state text, to_state text, reason text, at timestamptz)
  )
  select exists (select 1 from saved);
$$;

alter table processed_webhooks enable row level security;
alter table webhook_events enable row level security;
alter table webhook_notifications enable row level security;
alter table edge_circuit_breakers enable row level security;
alter table edge_circuit_breaker_transitions enable row level security;

revoke all on function edge_circuit_breaker_save(text, integer, text, integer, integer, timestamptz, timestamptz, text, timestamptz, jsonb) from public;

-- Supabase's roles exist on Supabase only; a plain Postgres (local runs, tests) skips this.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    execute 'revoke all on function edge_circuit_breaker_save(text, integer, text, integer, integer, timestamptz, timestamptz, text, timestamptz, jsonb) from anon, authenticated';
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute 'grant execute on function edge_circuit_breaker_save(text, integer, text, integer, integer, timestamptz, timestamptz, text, timestamptz, jsonb) to service_role';
  end if;
end
$$;
