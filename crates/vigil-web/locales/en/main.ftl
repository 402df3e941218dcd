## Vigil — English interface messages. Every message here must exist in es/main.ftl.

## Frame
skip-to-content = Skip to content
nav-main = Main
nav-incidents = Incidents
nav-persons = Persons
nav-groups = Groups
nav-vocabularies = Vocabularies
nav-users = Users
logout = Log out
demo-banner = Demonstration instance: every record here is synthetic. Never enter real information.
home-title = Overview
go-back = Go back
any = Any
choose = Choose…
none-chosen = None
sensitive = sensitive
redacted = Hidden: your role cannot see this field.
save = Save
saved = Saved.
cancel = Cancel
edit = Edit
history = History
version = Version
when = When
who = Who
changed-fields = Changed fields
created = Created
updated = Updated
back-to-list = Back to the list
pagination = Pages
page = Page
previous = Previous
next = Next
results-count = { $n ->
    [one] One result
   *[other] { $n } results
}
results-count-more = More than { $n } results
no-results = Nothing matches these filters.
search = Search
search-incidents = Search incidents
search-placeholder = Words from titles, places, names or codes (defen* = begins with)
apply-filters = Apply filters
clear-filters = Clear filters
export-csv = Export as CSV

## Login
login-title = Log in to Vigil
login = Log in
login-failed = Wrong username or password. After several failed attempts, wait a few minutes before trying again.
username = Username
password = Password

## Incidents
incident = Incident
incident-new = Record an incident
incident-edit = Edit “{ $value }”
title = Title
narrative = Narrative
date = Date
start-date = Start date
end-date = End date
date-hint = Write the date as precisely as it is known: 2024-03-15 (day), 2024-03 (month) or 2024 (year).
country = Country
country-hint = Name or ISO code, e.g. Colombia or CO.
region = Region
locality = Locality
place = Place
coordinates = Coordinates
latitude = Latitude
longitude = Longitude
business-sector = Linked business sector
status = Status
status-reported = Reported
status-under_verification = Under verification
status-verified = Verified
status-unverifiable = Unverifiable
status-rejected = Rejected
verified-hint = An incident can be marked verified only with at least two sources of different origin.
verification-override = Administrator's verification override
verification-override-hint = Only to verify without two independent sources: give the reason, it is kept in the record.
external-id = External identifier
violations = Violations
violation = Violation
violation-type = Violation type
victim = Victim
victim-code = Victim's code (person or group)
victim-hint = Type the code of a registered person (HRD-…) or group (GRP-…).
find-person = Find a code
violation-date = Date of the violation
violation-date-hint = Leave empty if it is the incident's start date.
outcome = Outcome
reprisal-un = Reprisal for cooperation with the United Nations
reprisal-un-short = UN reprisal
perpetrators = Perpetrators
perpetrator-type = Perpetrator type
perpetrator-named = Named perpetrator's code (optional)
add-perpetrator = Add another perpetrator
add-violation = Add another violation
sources = Sources
source = Source
source-type = Source type
reliability = Reliability
origin = Origin
origin-hint = Who or what the information comes from. Two sources are independent when their origins differ.
description = Description
add-source = Add another source
no-sources = No sources yet.
sources-independent = { $n ->
    [one] one independent source
   *[other] { $n } independent sources
}
victim-characteristic = Victim characteristic
year = Year
form-errors = { $n ->
    [one] One problem needs fixing before saving:
   *[other] { $n } problems need fixing before saving:
}

## Persons and groups
person-new = Register a person
group-new = Register a group

## Errors
error-not-found = Not found
error-not-found-detail = There is nothing at this address, or it was removed.
error-forbidden = Not allowed
error-forbidden-detail = Your role does not allow this.
error-bad-request = Something in the request is wrong
error-bad-request-detail = Please go back and check what you entered.
error-conflict = Changed in the meantime
error-conflict-detail = Someone saved this record after you opened it. Reopen it to see their changes.
error-internal = Something went wrong
error-internal-detail = The error was logged. Please try again; if it persists, tell your administrator.
csrf-title = This form has expired
csrf-detail = For your safety, forms are valid only in the session that opened them. Go back, reload the page and submit again.

## Field errors
err-required = This field is required.
err-too-long = Too long: at most { $value } characters.
err-too-many = Too many: at most { $value }.
err-control-chars = Contains invisible control characters.
err-unknown-code = Unknown value “{ $value }”.
err-unknown-country = Unknown country “{ $value }”: use a name or an ISO code.
err-date-format = “{ $value }” is not a date: write 2024-03-15, 2024-03 or 2024.
err-date-future = { $value } is in the future.
err-end-before-start = The end date is before the start date.
err-coordinates-range = Latitude must be between -90 and 90, longitude between -180 and 180.
err-coordinates-pair = Give both latitude and longitude, or neither.
err-number = Not a number.
err-no-violations = Record at least one violation.
err-verified-needs-sources = Verified needs two independent sources (now { $value }).
err-override-not-allowed = Only an administrator can verify without two independent sources.
err-status-transition = This status change is not allowed ({ $value }).
err-unknown-victim = No person or group with id { $value }.
err-unknown-group = No group with id { $value }.
err-external-id-taken = The external identifier “{ $value }” is already used.
err-birth-year = Birth year { $value } is not plausible.
err-consent-record = Consent to be recorded is needed to keep this person's record.
err-conflict = Someone saved this record after you opened it. Reload it and apply your changes again.
err-username = Usernames have 2 to 64 letters, digits, dots, dashes, underscores or @.
err-username-taken = This username is taken.
err-password-short = Passwords need at least { $value } characters.
err-password-username = The password cannot be the username.
err-code-syntax = Codes use lower-case letters, digits and _ and start with a letter (“{ $value }” does not).
err-code-taken = The code “{ $value }” exists already.
err-term-builtin = Built-in terms cannot be removed (“{ $value }”).
err-term-in-use = This term is used by { $value } records and cannot be removed.
