## Vigil — logging in, two-factor authentication, sessions, passwords and lock-down
## (English). Every message here must exist in es/auth.ftl.

## Second step of the login
login-2fa-title = Two-factor authentication
login-2fa-code = Code from your authenticator app
login-2fa-hint = The 6-digit code your app shows now. Lost your phone? Enter one of your recovery codes instead.
login-2fa-submit = Continue
login-2fa-wrong = That code was not accepted. Enter the code your app shows now, or a recovery code you have not used.
login-2fa-restart = Start again
login-2fa-expired = The login was not completed in time, or too many codes were wrong. Log in again.

## Password policy and changes
err-password-common = This password is on the list of the most common passwords. Choose another one, for example a few unrelated words.
err-password-current = The current password is not right.
err-password-again = The two new passwords differ.
err-totp-code = That code was not accepted. Check the clock of your phone and enter the code it shows now.
password-change-title = Change your password
password-current = Current password
password-new = New password
password-new-hint = { $n ->
    [one] At least one character, not a common password. Your other sessions will end.
   *[other] At least { $n } characters, not a common password. Your other sessions will end.
}
password-again = New password again
password-change = Change the password
password-changed-notice = Password changed. Your other sessions have ended.

## Sessions
sessions-title = Where you are signed in
sessions-intro = Each browser where you signed in. End any you do not recognise.
sessions-idle-limit = A session ends after { $value } without use
sessions-max-limit = and after { $value } in any case.
sessions-started = Signed in
sessions-last-seen = Last active
sessions-state = Session
sessions-this = This browser
sessions-revoke = End
session-revoked-notice = Session ended.
duration-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
duration-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
duration-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}

## Two-factor authentication
twofa-title = Two-factor authentication
twofa-on = On
twofa-off = Off
twofa-on-since = On since { $value }
twofa-manage = Manage
twofa-set-up = Set up two-factor authentication
twofa-intro = With two-factor authentication, a stolen password is not enough to enter Vigil: logging in also needs a code from an app on your phone.
twofa-recommended = We recommend it for everyone.
twofa-required-hint = Your role requires two-factor authentication.
twofa-must-enrol = Your role requires two-factor authentication. Set it up now: until then, Vigil opens nothing else.
twofa-step-app = Install an authenticator app on your phone, if you have none: any app for “TOTP” codes works (for example FreeOTP, Aegis or Google Authenticator).
twofa-step-scan = In the app, add an account and scan this code:
twofa-qr-alt = QR code of your two-factor secret
twofa-step-type = Or type this key in the app:
twofa-step-type-hint = Time-based, 6 digits, every 30 seconds. Keep the key secret.
twofa-step-confirm = Enter the 6-digit code the app shows
twofa-confirm = Turn on
twofa-restart = Start again with a new key
twofa-code = Current code from your app
twofa-codes-title = Two-factor authentication is on. Save your recovery codes now.
twofa-codes-warning = Each code lets you in once if you lose your phone. Print them or write them down and keep them somewhere safe, apart from your phone. They will not be shown again.
twofa-codes-left = { $n ->
    [0] You have no recovery codes left: make new ones.
    [one] One unused recovery code left.
   *[other] { $n } unused recovery codes left.
}
twofa-continue = Continue to Vigil
twofa-new-codes = Make new recovery codes
twofa-new-codes-hint = Your old recovery codes stop working.
twofa-turn-off = Turn off two-factor authentication
twofa-cannot-turn-off = Your role requires two-factor authentication, so it cannot be turned off. If you lose your phone, use a recovery code, or ask an administrator to reset it.
twofa-off-notice = Two-factor authentication is off.

## Administration
users-2fa-on = Two-factor: on
users-2fa-off = Two-factor: off
users-2fa-reset = Reset two-factor
users-2fa-reset-who = Reset the two-factor authentication of { $value }
users-2fa-reset-hint = Resetting someone's two-factor authentication (a lost phone) ends their sessions; they set it up again at their next login.
users-2fa-reset-notice = Two-factor authentication reset: the user's sessions have ended.

## Lock-down
lockdown-title = Lock down
lockdown-intro = If an office is raided or a laptop or phone is lost, lock down: everyone is signed out at once and every program using the API loses its access.
lockdown-go = Lock down…
lockdown-effect-sessions = Every session of every user ends, in every browser.
lockdown-effect-tokens = Every API token is revoked for good; partner systems need new tokens.
lockdown-effect-you = You are signed out too, and log in again.
lockdown-next-steps = Afterwards, disable the accounts that may be in the wrong hands, reset their passwords and two-factor authentication, and check the audit log.
lockdown-confirm = Lock down now
lockdown-done = Lock-down done.
lockdown-sessions = { $n ->
    [one] 1 session ended.
   *[other] { $n } sessions ended.
}
lockdown-tokens = { $n ->
    [one] 1 API token revoked.
   *[other] { $n } API tokens revoked.
}
lockdown-after = Everyone, you included, must log in again.
