-- Svix 2.x catalog fields: feature_flags (JSON list; replaces the single feature_flag, which is
-- still read for rows written before), deprecated, group_name.
ALTER TABLE event_type ADD COLUMN feature_flags TEXT;
ALTER TABLE event_type ADD COLUMN deprecated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE event_type ADD COLUMN group_name TEXT;
