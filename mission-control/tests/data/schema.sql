-- Rampart's test emulation of a Mission Control database: the table and column names,
-- types, nullability, keys, soft deletes, row-level security and change notifications
-- that Rampart's database reader depends on (see docs/mission-control.md). Written for
-- Rampart's tests from the published column lists; it is not Mission Control's schema.
--
-- It creates everything in the current schema (the tests set `search_path` to a schema
-- of their own, so that tests sharing a server never meet). Roles are cluster-wide: the
-- two PostgREST roles are created when missing.
--
-- Columns Rampart must never read are present on purpose (`config_items.config`, the
-- credentials of `connections`, `agents.tls`): the tests prove they are never selected.

CREATE FUNCTION generate_ulid() RETURNS uuid LANGUAGE sql VOLATILE
  AS 'SELECT gen_random_uuid()';

CREATE TYPE source AS ENUM
  ('KubernetesCRD', 'ConfigFile', 'UI', 'Topology', 'Push', 'CRDSync', 'ApplicationCRD', 'System');

DO $roles$
BEGIN
  BEGIN
    CREATE ROLE postgrest_api NOLOGIN;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE postgrest_anon NOLOGIN;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$roles$;

-- Who: people, teams, memberships, casbin's role assignments, agents.
CREATE TABLE people (
  id          uuid PRIMARY KEY DEFAULT generate_ulid(),
  name        text NOT NULL,
  email       text,
  type        text,                 -- NULL: a human; 'agent'; 'access_token'
  external_id text,
  team_id     uuid,                 -- legacy, not membership
  properties  jsonb,
  avatar      text,
  phone       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz,
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX people_live_email ON people (email) WHERE deleted_at IS NULL;

CREATE TABLE teams (
  id         uuid PRIMARY KEY DEFAULT generate_ulid(),
  name       text NOT NULL,
  icon       text,
  spec       jsonb,
  source     text,
  created_by uuid NOT NULL REFERENCES people (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX teams_live_name ON teams (name) WHERE deleted_at IS NULL;

CREATE TABLE team_members (
  team_id   uuid NOT NULL REFERENCES teams (id) ON UPDATE CASCADE ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON UPDATE CASCADE ON DELETE CASCADE,
  source    text NOT NULL DEFAULT 'UI',
  PRIMARY KEY (team_id, person_id)
);
CREATE INDEX team_members_by_person ON team_members (person_id);

CREATE TABLE casbin_rule (
  id    bigserial PRIMARY KEY,
  ptype varchar(100) NOT NULL,
  v0    varchar(100) NOT NULL,
  v1    varchar(100) NOT NULL,
  v2    varchar(100) DEFAULT '',
  v3    varchar(100) DEFAULT '',
  v4    varchar(100) DEFAULT '',
  v5    varchar(100) DEFAULT ''
);
CREATE UNIQUE INDEX casbin_rule_unique ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);

CREATE TABLE agents (
  id         uuid PRIMARY KEY DEFAULT generate_ulid(),
  name       text NOT NULL,
  hostname   text,
  person_id  uuid REFERENCES people (id),
  username   text,
  properties jsonb,
  tls        text,                  -- key material: never read
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX agents_live_name ON agents (name) WHERE deleted_at IS NULL;

-- What: playbooks, notifications, configs, components, connections.
CREATE TABLE playbooks (
  id          uuid PRIMARY KEY DEFAULT generate_ulid(),
  namespace   text NOT NULL DEFAULT 'default',
  name        text NOT NULL,
  title       text NOT NULL DEFAULT '',
  category    text NOT NULL DEFAULT '',
  description text,
  spec        jsonb NOT NULL DEFAULT '{}',   -- actions and templates: never read
  source      source NOT NULL DEFAULT 'KubernetesCRD',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX playbooks_live_key ON playbooks (namespace, name, category) WHERE deleted_at IS NULL;

CREATE TABLE notifications (
  id         uuid PRIMARY KEY DEFAULT generate_ulid(),
  name       text NOT NULL DEFAULT generate_ulid()::text,
  namespace  text,
  events     text[] NOT NULL DEFAULT '{}',
  template   text,                 -- recipients and templates: never read
  properties jsonb,
  source     source,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX notifications_live_key ON notifications (name, namespace) WHERE deleted_at IS NULL;

CREATE TABLE config_items (
  id           uuid PRIMARY KEY DEFAULT generate_ulid(),
  agent_id     uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000' REFERENCES agents (id),
  scraper_id   uuid,
  config_class text NOT NULL,
  type         text NOT NULL,
  name         text,
  status       text,
  health       text,
  description  text,
  external_id  text[],
  config       jsonb,              -- the whole scraped document: never read
  labels       jsonb,              -- {"key": "value"}
  tags         jsonb,              -- {"key": "value"}; the namespace is tags->>'namespace'
  properties   jsonb,              -- [{"name": ..., "text": ... | "value": ...}]
  parent_id    uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz DEFAULT now(),
  deleted_at   timestamptz,
  CONSTRAINT config_items_name_type_check CHECK (length(name) > 0 AND length(type) > 0)
);
CREATE INDEX config_items_tags ON config_items USING gin (tags);
CREATE INDEX config_items_deleted ON config_items (deleted_at);

CREATE TABLE components (
  id          uuid PRIMARY KEY DEFAULT generate_ulid(),
  agent_id    uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000' REFERENCES agents (id),
  topology_id uuid,
  external_id text NOT NULL DEFAULT '',
  name        text NOT NULL,
  namespace   text,
  type        text,
  status      text NOT NULL DEFAULT 'healthy',
  status_expr text,
  health      text,
  health_expr text,
  labels      jsonb,
  properties  jsonb,
  summary     jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz DEFAULT now(),
  deleted_at  timestamptz
);

CREATE TABLE connections (
  id           uuid PRIMARY KEY DEFAULT generate_ulid(),
  name         text NOT NULL,
  namespace    text NOT NULL DEFAULT 'default',
  type         text NOT NULL,
  url          text,               -- credential: never read
  username     text,               -- credential: never read
  password     text,               -- credential: never read
  certificate  text,               -- credential: never read
  properties   jsonb,              -- may hold credentials: never read
  insecure_tls boolean DEFAULT false,
  source       source,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz
);
CREATE UNIQUE INDEX connections_live_key ON connections (name, namespace) WHERE deleted_at IS NULL;

-- Policy: permissions, permission groups, scopes.
CREATE TABLE permissions (
  id              uuid PRIMARY KEY DEFAULT generate_ulid(),
  name            text NOT NULL DEFAULT generate_ulid()::text,
  namespace       text,
  description     text,
  source          text NOT NULL DEFAULT 'UI',
  subject_type    text NOT NULL DEFAULT 'group',
  subject         text,
  action          text NOT NULL,
  object          text,
  object_selector jsonb,
  deny            boolean NOT NULL DEFAULT false,
  config_id       uuid REFERENCES config_items (id) ON DELETE CASCADE,
  component_id    uuid REFERENCES components (id) ON DELETE CASCADE,
  playbook_id     uuid REFERENCES playbooks (id) ON DELETE CASCADE,
  connection_id   uuid REFERENCES connections (id) ON DELETE CASCADE,
  canary_id       uuid,
  person_id       uuid REFERENCES people (id) ON DELETE CASCADE,
  team_id         uuid REFERENCES teams (id) ON DELETE CASCADE,
  notification_id uuid REFERENCES notifications (id) ON DELETE CASCADE,
  tags            jsonb,           -- deprecated
  agents          text[],          -- deprecated
  until           timestamptz,
  error           text,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz,
  CONSTRAINT permissions_one_object CHECK (
      (object_selector IS NOT NULL)::int + (nullif(object, '') IS NOT NULL)::int
    + (config_id IS NOT NULL)::int + (component_id IS NOT NULL)::int
    + (playbook_id IS NOT NULL)::int + (connection_id IS NOT NULL)::int
    + (canary_id IS NOT NULL)::int = 1)
);

CREATE TABLE permission_groups (
  id         uuid PRIMARY KEY DEFAULT generate_ulid(),
  name       text,
  namespace  text,
  selectors  jsonb NOT NULL,
  source     text NOT NULL DEFAULT 'UI',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX permission_groups_live_key ON permission_groups (namespace, name) WHERE deleted_at IS NULL;

CREATE TABLE scopes (
  id          uuid PRIMARY KEY DEFAULT generate_ulid(),
  name        text NOT NULL,
  namespace   text,
  description text,
  targets     jsonb NOT NULL,
  source      text NOT NULL DEFAULT 'UI',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX scopes_live_key ON scopes (namespace, name) WHERE deleted_at IS NULL;

-- A changed selector clears the error the policy loader recorded.
CREATE FUNCTION permissions_clear_error() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.error IS NOT NULL AND NEW.object_selector IS DISTINCT FROM OLD.object_selector THEN
    NEW.error := NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER permissions_clear_error BEFORE UPDATE ON permissions
  FOR EACH ROW EXECUTE FUNCTION permissions_clear_error();

-- Change signals: `<table> <operation> <id>` on the channel table_activity, and
-- `team_members <operation> <team_id> <person_id>` for memberships. The other tables send
-- nothing (a reader polls them).
CREATE FUNCTION announce_table_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
  key     text;
BEGIN
  changed := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  IF TG_TABLE_NAME = 'team_members' THEN
    key := changed.team_id::text || ' ' || changed.person_id::text;
  ELSE
    key := changed.id::text;
  END IF;
  PERFORM pg_notify('table_activity', TG_TABLE_NAME || ' ' || TG_OP || ' ' || key);
  RETURN NULL;
END
$$;
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON notifications FOR EACH ROW EXECUTE FUNCTION announce_table_activity();
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON playbooks FOR EACH ROW EXECUTE FUNCTION announce_table_activity();
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON permissions FOR EACH ROW EXECUTE FUNCTION announce_table_activity();
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON permission_groups FOR EACH ROW EXECUTE FUNCTION announce_table_activity();
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON scopes FOR EACH ROW EXECUTE FUNCTION announce_table_activity();
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH ROW EXECUTE FUNCTION announce_table_activity();
CREATE TRIGGER announce AFTER INSERT OR UPDATE OR DELETE ON team_members FOR EACH ROW EXECUTE FUNCTION announce_table_activity();

-- Row-level security as Mission Control enables it (not forced): policies for the
-- PostgREST roles only, so any other role that is neither the owner nor BYPASSRLS reads
-- no rows at all, without an error.
CREATE FUNCTION rls_claims_absent() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('request.jwt.claims', true), '') IN ('', '{}')
$$;
ALTER TABLE config_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE components ENABLE ROW LEVEL SECURITY;
ALTER TABLE playbooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY config_items_auth ON config_items FOR ALL TO postgrest_api, postgrest_anon USING (rls_claims_absent());
CREATE POLICY components_auth ON components FOR ALL TO postgrest_api, postgrest_anon USING (rls_claims_absent());
CREATE POLICY playbooks_auth ON playbooks FOR ALL TO postgrest_api, postgrest_anon USING (rls_claims_absent());

-- Seeds: the System person (no email), the local agent, the built-in role inheritance
-- and System's admin role.
INSERT INTO people (name) VALUES ('System');
INSERT INTO agents (id, name) VALUES ('00000000-0000-0000-0000-000000000000', 'local');
INSERT INTO casbin_rule (ptype, v0, v1) VALUES
  ('g', 'admin', 'everyone'), ('g', 'guest', 'everyone'), ('g', 'commander', 'viewer'),
  ('g', 'responder', 'viewer'), ('g', 'editor', 'viewer');
INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
  ('p', 'everyone', 'database.kratos', '*', 'deny', '', 'na'),
  ('p', 'admin', '*', '*', 'allow', '', 'na'),
  ('p', 'viewer', 'catalog', 'read', 'allow', '', 'na');
INSERT INTO casbin_rule (ptype, v0, v1) SELECT 'g', id::text, 'admin' FROM people WHERE name = 'System';
