//! Diesel's view of the tables in `migrations/`.

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        instansi -> Text,
    }
}

diesel::table! {
    employees (nip) {
        nip -> Text,
        name -> Text,
        kind -> Text,
        jabatan -> Text,
        unit_code -> Text,
        activation_code_hash -> Nullable<Binary>,
        public_key -> Nullable<Binary>,
        sealed_seed -> Nullable<Binary>,
        seal_salt -> Nullable<Binary>,
        seal_nonce -> Nullable<Binary>,
        seal_params -> Nullable<Text>,
        activated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        key_count -> Integer,
    }
}

diesel::table! {
    log_entries (idx) {
        idx -> BigInt,
        kind -> Text,
        body -> Binary,
        leaf_hash -> Binary,
        appended_at -> Timestamp,
    }
}

diesel::table! {
    pacts (id) {
        id -> Text,
        title -> Text,
        body -> Text,
        sha256 -> Text,
        published_at -> Timestamp,
        opens_at -> Nullable<Timestamp>,
        closes_at -> Nullable<Timestamp>,
        log_index -> BigInt,
    }
}

diesel::table! {
    signatures (pact_id, nip) {
        pact_id -> Text,
        nip -> Text,
        unit_code -> Text,
        signed_at -> Timestamp,
        log_index -> BigInt,
        key_generation -> Integer,
    }
}

diesel::table! {
    guess_limits (subject) {
        subject -> Text,
        attempts -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    secrets (name) {
        name -> Text,
        value -> Binary,
    }
}

diesel::joinable!(employees -> units (unit_code));
diesel::joinable!(signatures -> employees (nip));
diesel::joinable!(signatures -> pacts (pact_id));

diesel::table! {
    tree_hashes (idx) {
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    log_head (id) {
        id -> Integer,
        size -> BigInt,
        root -> Binary,
        checkpoint -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    admins (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Binary>,
        totp_confirmed -> Bool,
        totp_last_step -> BigInt,
        created_by -> Nullable<BigInt>,
        approved_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    admin_units (admin_id, unit_code) {
        admin_id -> BigInt,
        unit_code -> Text,
    }
}

diesel::table! {
    admin_sessions (token_hash) {
        token_hash -> Binary,
        admin_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        pending_totp -> Bool,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Binary,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        screen_pact -> Nullable<Text>,
        screen_grouping -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        detail -> Text,
        ip -> Text,
        user_agent -> Text,
        repeat_count -> BigInt,
        dedupe_key -> Nullable<Text>,
    }
}

diesel::table! {
    roster_counts (unit_code, kind) {
        unit_code -> Text,
        kind -> Text,
        total -> BigInt,
    }
}

diesel::table! {
    signed_counts (pact_id, unit_code, kind) {
        pact_id -> Text,
        unit_code -> Text,
        kind -> Text,
        signed -> BigInt,
    }
}

diesel::table! {
    roster_uploads (id) {
        id -> Text,
        admin_id -> BigInt,
        file_name -> Text,
        body -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reset_requests (id) {
        id -> BigInt,
        nip -> Text,
        reason -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        approved -> Nullable<Bool>,
    }
}

diesel::joinable!(admin_sessions -> admins (admin_id));
diesel::joinable!(admin_units -> admins (admin_id));

diesel::allow_tables_to_appear_in_same_query!(
    units,
    employees,
    log_entries,
    pacts,
    signatures,
    guess_limits,
    secrets,
    tree_hashes,
    log_head,
    admins,
    admin_units,
    admin_sessions,
    api_tokens,
    audit_events,
    roster_counts,
    signed_counts,
    roster_uploads,
    reset_requests,
    replaced_keys,
    code_batches,
);

diesel::table! {
    replaced_keys (nip, public_key) {
        nip -> Text,
        public_key -> Binary,
        sealed_seed -> Binary,
        seal_salt -> Binary,
        seal_nonce -> Binary,
        seal_params -> Text,
        kept_at -> Timestamp,
    }
}

diesel::table! {
    code_batches (id) {
        id -> Text,
        unit_code -> Text,
        made_by -> Text,
        made_at -> Timestamp,
        codes -> Integer,
    }
}

diesel::table! {
    witness_states (witness_key) {
        witness_key -> Text,
        size -> BigInt,
        checkpoint_body -> Nullable<Text>,
        cosignature -> Nullable<Text>,
        cosigned_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_try_at -> Nullable<Timestamp>,
    }
}
