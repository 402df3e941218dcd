## Vigil — vocabularies, user administration and the account page (English).
## Every message here must exist in es/admin.ftl.

## Roles and languages
role-admin = Administrator
role-protection_officer = Protection officer
role-documenter = Documenter
role-analyst = Analyst
role-viewer = Viewer
language-browser = Browser's language
language-en = English
language-es = Español

## Vocabularies
vocab-intro = Every list in Vigil is a vocabulary: records keep the stable code, and the label is shown in the reader's language. Built-in terms cannot be removed; administrators can add terms.
vocab-contents = Vocabularies on this page
vocab-kind-violation_type = Violation types
vocab-kind-perpetrator_type = Perpetrator types
vocab-kind-source_type = Source types
vocab-kind-reliability = Source reliability
vocab-kind-business_sector = Business sectors
vocab-kind-characteristic = Victim characteristics
vocab-kind-sector_of_defence = Sectors of defence
vocab-kind-sdg_group = SDG 16.10.1 victim groups
vocab-kind-sex = Sex
vocab-kind-group_type = Group types
vocab-code = Code
vocab-label-en = English label
vocab-label-es = Spanish label
vocab-sdg-category = SDG 16.10.1 category
vocab-verb = Resolution verb
vocab-actor = Actor
vocab-origin = Origin
vocab-builtin = Built-in
vocab-added = Added
vocab-sdg-killing = Killing
vocab-sdg-enforced_disappearance = Enforced disappearance
vocab-sdg-kidnapping = Kidnapping
vocab-sdg-arbitrary_detention = Arbitrary detention
vocab-sdg-torture = Torture
vocab-sdg-other_harmful_act = Other harmful act
vocab-verb-killing = Killing
vocab-verb-criminalisation = Criminalisation
vocab-verb-curtailing = Curtailing
vocab-actor-state = State
vocab-actor-non_state = Non-state
vocab-actor-unknown = Unknown
vocab-add-term-to = Add a term to “{ $value }”
vocab-add = Add the term
vocab-code-hint = The code of a new term uses lower-case letters, digits and _, and starts with a letter. It cannot be changed later: records keep it.
vocab-remove = Remove
vocab-remove-term = Remove the term “{ $value }”
vocab-term-added = Term added.
vocab-term-removed = Term removed.
vocab-nothing-changed = Nothing was changed.

## Users
users-display-name = Display name
users-role = Role
users-role-of = Role of { $value }
users-state = State
users-active = Active
users-disabled = Disabled
users-you = (you)
users-change-role = Change role
users-disable = Disable
users-enable = Enable
users-disable-who = Disable { $value }
users-enable-who = Enable { $value }
users-disable-hint = Disabling an account ends its sessions and revokes its API tokens at once.
users-self-hint = You cannot disable your own account or change your own role; another administrator can.
users-self-refused = You cannot disable your own account or change your own role. Ask another administrator to do it.
users-add = Add a user
users-language = Language
users-initial-password = Initial password
users-password-hint = { $n ->
    [one] At least one character, not the username. Give it to the person through a safe channel.
   *[other] At least { $n } characters, not the username. Give it to the person through a safe channel.
}
users-create = Create the user
users-not-created = The user was not created: check the fields below.
users-created-notice = User created.
users-role-changed = Role changed.
users-disabled-notice = Account disabled: its sessions and API tokens were ended.
users-enabled-notice = Account enabled.

## Account
account-title = Your account
account-language = Interface language
account-language-choose = Show Vigil in
account-language-hint = With “Browser's language”, Vigil follows your browser's settings.
account-language-saved = Language saved.
account-tokens = API tokens
account-tokens-intro = A token lets a program (a partner system, a script) use Vigil's JSON API as you, with your role's permissions. Keep it as secret as a password, and revoke it when it is no longer needed.
account-tokens-usage = Send it in the Authorization header of every request to an address under /api/v1/:
account-tokens-api = The API is described in
token-none = You have no API tokens.
token-name = Name
token-name-hint = What the token is for, e.g. “partner synchronisation”.
token-last-used = Last used
token-never-used = Never
token-active = Active
token-revoked = Revoked
token-revoke = Revoke
token-revoke-which = Revoke the token “{ $value }”
token-revoked-notice = Token revoked.
token-create-heading = Create a token
token-create = Create the token
token-new-title = Token “{ $value }” created.
token-new-warning = Copy it now and keep it somewhere safe: it will not be shown again. Vigil keeps only a fingerprint of it.
token-secret = Your new token
