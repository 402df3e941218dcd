## Vigil — the audit log page (English). Every message here must exist in es/audit.ftl.

nav-audit = Audit log
audit-title = Audit log
audit-intro = Every login, read of a sensitive record, search, export and change is recorded here, and each entry carries the hash of the one before it, so that any change, deletion or reordering of entries is detected. Entries never hold names, narratives or the text of searches.
audit-head = Hash of the last entry (keep a copy elsewhere to detect a rewritten log):
audit-chain-intact = { $n ->
    [one] Chain verified: one entry, intact.
   *[other] Chain verified: { $n } entries, intact.
}
audit-chain-broken = The audit chain is broken at entry { $n }:
audit-broken-hint = Entries were changed, removed or reordered outside Vigil. Keep this database as it is, and investigate who had access to it.
audit-problem-modified = its content does not match its hash (the entry was changed).
audit-problem-missing = it is missing (entries were deleted).
audit-problem-out_of_order = it does not chain to the entry before it (entries were reordered or inserted, or the previous entry was rewritten).
audit-problem-unrecorded = it lies beyond the recorded end of the chain (added outside Vigil).
audit-bad-date = A date could not be read (use YYYY-MM-DD); it was ignored.
audit-count = { $n ->
    [one] One entry
   *[other] { $n } entries
}
audit-when = When (UTC)
audit-action = Action
audit-entity = Concerning
audit-from = From
audit-to = To
audit-detail = Detail
audit-hash = Hash
audit-unknown-account = unknown account

audit-action-login = Login
audit-action-login_failed = Failed login
audit-action-read = Read
audit-action-list = List
audit-action-search = Search
audit-action-export = Export
audit-action-create = Create
audit-action-update = Update
audit-action-import = Import
audit-action-user_create = Account created
audit-action-user_disable = Account disabled
audit-action-user_enable = Account enabled
audit-action-user_role = Role changed
audit-action-term_add = Term added
audit-action-term_delete = Term removed
audit-action-token_create = API token created
audit-action-token_revoke = API token revoked
audit-action-compartment_create = Compartment created
audit-action-compartment_join = Joined a compartment
audit-action-compartment_leave = Left a compartment
audit-action-compartment_member_add = Compartment member added
audit-action-compartment_member_remove = Compartment member removed
audit-action-second_factor = Second factor accepted
audit-action-second_factor_failed = Second factor refused
audit-action-recovery_code_used = Recovery code used
audit-action-two_factor_enrol = Two-factor authentication turned on
audit-action-recovery_codes_renew = New recovery codes
audit-action-two_factor_disable = Two-factor authentication turned off
audit-action-two_factor_reset = Two-factor authentication reset
audit-action-password_change = Password changed
audit-action-session_revoke = Session ended
audit-action-lockdown = Lock-down
audit-action-evidence_upload = Evidence uploaded
audit-action-evidence_view = Evidence details viewed
audit-action-evidence_download = Evidence downloaded
audit-action-key_rotate = Master key rotated

audit-entity-incident = Incident
audit-entity-person = Person
audit-entity-group = Group
audit-entity-user = Account
audit-entity-api_token = API token
audit-entity-vocab_term = Vocabulary term
audit-entity-audit_log = Audit log
audit-entity-evidence = Evidence file
audit-entity-compartment = Compartment
audit-entity-master_key = Master key
