-- The default tenant: what the admin token acts on, and the owner of everything created before tenants existed.
INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000000', 'default') ON CONFLICT (id) DO NOTHING;
