CREATE TABLE balances (stream_id text PRIMARY KEY, total bigint NOT NULL);
