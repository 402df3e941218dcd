## Detention tracker, hearing calendar feed, reminder digests (issue 6 points 4-5)
detained = Currently detained
detained-today = Days counted up to { $value }.
detained-none = Nobody is recorded as detained in the cases you can see.
detentions = Detention
detentions-none = No detention recorded.
detention = Detention
detention-new = Record a detention
detention-edit = Edit or record the release
detention-release-help = Set the release date when the person is freed: the detention closes and its days stop counting.
detention-place = Where held
detention-since = Detained since
detention-released = Released on
detention-held = Still detained
detention-charges = Charges
detention-days-h = Days in detention
detention-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}
hearings = Hearings
hearings-none = No hearing recorded.
hearing-new = Add a hearing
hearing-add = Add the hearing
hearing-date = Hearing date
hearing-time = Time (local)
hearing-court = Court or place
hearing-note = Note
hearing-next = Next hearing
hearing-upcoming = Upcoming
hearing-remove = Remove
timeline-detention = Detained
timeline-hearing = Hearing
timeline-released = Released
feed-page = Hearings calendar
feed-intro = Subscribe to upcoming hearings in your calendar application (a calendar client cannot sign in, so the address itself carries a secret). Anyone with the address sees the hearings you can see: keep it private, and revoke it if it leaks. Lock-down revokes every calendar address.
feed-privacy = The calendar holds no names: each hearing shows the person's code, the case number, the date, time and court, and a link to the case (which needs signing in).
feed-new-once = Copy this address into your calendar now: it is shown only once.
feed-url = Calendar address
feed-none = No calendar address yet.
feed-last-used = Last fetched
feed-live = Active
feed-revoked = Revoked
feed-revoke = Revoke
feed-create = Create a calendar address
feed-back = Back to my account
feed-title = Vigil hearings
feed-hearing = Hearing
emails-page = E-mail addresses for reminders
emails-intro = Each day, assignees with an address receive a digest of their actions due soon or overdue (case numbers and codes only, never names). Leave empty for no digest.
emails-role = Role
emails-address = E-mail address
err-released-before = The release date is before the detention date.
err-time-format = { $value } is not a time (HH:MM).
err-detention-group = This case protects a group: record the detention on the detained person's own case.
err-since-after-hearing = A hearing is recorded on { $value }, before this date.
err-hearing-before = The detention began on { $value }: a hearing cannot be earlier.
err-email = { $value } is not an e-mail address (name@example.org).
digest-subject = { $n ->
    [one] Vigil: 1 action due or overdue
   *[other] Vigil: { $n } actions due or overdue
}
digest-intro = Your protection actions due in the next days or overdue, as of { $value }:
digest-overdue = { $n ->
    [one] OVERDUE by 1 day
   *[other] OVERDUE by { $n } days
}
digest-due-today = due today
digest-due-in = { $n ->
    [one] due tomorrow
   *[other] due in { $n } days
}
digest-case = Case
digest-footer = This digest names no one: open each link (signing in) for the details. You receive it because an administrator gave Vigil your address.
