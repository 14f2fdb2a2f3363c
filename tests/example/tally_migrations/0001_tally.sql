-- Every event the tally applied, in the order it applied them: exactly once each, and the tests check the order.
CREATE TABLE tally_applied (
    event_id        uuid    PRIMARY KEY,
    stream_id       text    NOT NULL,
    stream_version  integer NOT NULL,
    amount          bigint  NOT NULL,
    seq             bigserial
);
CREATE TABLE tally_streams (stream_id text PRIMARY KEY, last_version integer NOT NULL, total bigint NOT NULL);
