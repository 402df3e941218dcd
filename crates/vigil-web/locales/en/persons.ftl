## Vigil — English messages of the person and group pages. Every message here must
## exist in es/persons.ftl. Shared words (save, edit, history, redacted …) live in main.ftl.

## Persons
person-code = Code
person-search-placeholder = Code or name
person-kind = Recorded as
person-kind-defender = Human rights defender
person-kind-relative = Relative
person-kind-witness = Witness
person-kind-perpetrator = Named perpetrator
person-identity = Identity
person-sensitive-hint = Legal name, contacts and address are stored encrypted and shown only to roles allowed to see sensitive fields. Elsewhere the person appears by code.
person-legal-name = Legal name
person-contacts = Contacts
person-address = Address
person-sex = Sex
person-birth-year = Birth year
person-not-recorded = Not recorded
person-profile = Profile
person-characteristic = Characteristic
person-characteristics = Characteristics
person-sector = Sector of defence
person-sectors = Sectors of defence
person-sdg-group = Primary SDG 16.10.1 group
person-sdg-group-hint = Only persons with a group count in SDG indicator 16.10.1.
person-memberships = Organisation memberships
person-memberships-hint = Group codes, separated by commas.
person-find-group = Find a group code
person-consents = Consent
person-consent-record = Consents to being recorded in Vigil
person-consent-record-hint = Required: without this consent the record cannot be kept.
person-consent-record-short = Recorded
person-consent-share = Consents to sharing with partner organisations and the United Nations
person-consent-share-short = Shared with partners and the UN
person-consent-publish = Publication
person-publish-no = Never published
person-publish-aggregate_only = Only inside aggregate counts
person-publish-named = May be published by name
person-yes = Yes
person-no = No
person-hidden = hidden
person-names-hidden = Legal names are hidden: your role cannot see them. Persons are listed by code.
person-violations = Violations against this person
person-no-violations = No violation against this person is recorded.
person-edit = Edit { $value }
person-err-not-group = “{ $value }” is a person's code, not a group's.

## Groups
group-code = Code
group-name = Name
group-type = Type
group-details = Group
group-search-placeholder = Name or code
group-violations = Violations against this group
group-no-violations = No violation against this group is recorded.
group-edit = Edit “{ $value }”
