-- uuid_v7(): time-ordered UUIDs (RFC 9562 version 7) so primary keys of append-heavy tables
-- (events, deliveries, attempts) land at the right edge of their btree instead of all over it.
-- Layout: 48-bit Unix milliseconds, then version 7, variant 10, and random bits from gen_random_uuid().
CREATE OR REPLACE FUNCTION uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(
      set_bit(
        overlay(uuid_send(gen_random_uuid())
          placing substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
          FROM 1 FOR 6),
        52, 1),
      53, 1),
    'hex')::uuid
$$;
