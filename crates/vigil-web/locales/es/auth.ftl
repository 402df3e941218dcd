## Vigil — entrada, verificación en dos pasos, sesiones, contraseñas y bloqueo total
## (español). Cada mensaje de aquí debe existir en en/auth.ftl.

## Segundo paso de la entrada
login-2fa-title = Verificación en dos pasos
login-2fa-code = Código de su aplicación de autenticación
login-2fa-hint = El código de 6 cifras que muestra ahora su aplicación. ¿Perdió el teléfono? Escriba uno de sus códigos de recuperación.
login-2fa-submit = Continuar
login-2fa-wrong = No se aceptó ese código. Escriba el código que muestra ahora su aplicación, o un código de recuperación que no haya usado.
login-2fa-restart = Volver a empezar
login-2fa-expired = La entrada no se completó a tiempo, o hubo demasiados códigos erróneos. Vuelva a entrar.

## Política y cambio de contraseñas
err-password-common = Esta contraseña está en la lista de las más comunes. Elija otra, por ejemplo varias palabras sin relación entre sí.
err-password-current = La contraseña actual no es correcta.
err-password-again = Las dos contraseñas nuevas no coinciden.
err-totp-code = No se aceptó ese código. Compruebe la hora de su teléfono y escriba el código que muestra ahora.
password-change-title = Cambiar su contraseña
password-current = Contraseña actual
password-new = Contraseña nueva
password-new-hint = { $n ->
    [one] Al menos un carácter, que no sea una contraseña común. Sus otras sesiones se cerrarán.
   *[other] Al menos { $n } caracteres, que no sea una contraseña común. Sus otras sesiones se cerrarán.
}
password-again = Repita la contraseña nueva
password-change = Cambiar la contraseña
password-changed-notice = Contraseña cambiada. Sus otras sesiones se han cerrado.

## Sesiones
sessions-title = Dónde tiene la sesión abierta
sessions-intro = Cada navegador en el que entró. Cierre las que no reconozca.
sessions-idle-limit = Una sesión se cierra tras { $value } sin uso
sessions-max-limit = y, en todo caso, tras { $value }.
sessions-started = Entrada
sessions-last-seen = Última actividad
sessions-state = Sesión
sessions-this = Este navegador
sessions-revoke = Cerrar
session-revoked-notice = Sesión cerrada.
duration-minutes = { $n ->
    [one] 1 minuto
   *[other] { $n } minutos
}
duration-hours = { $n ->
    [one] 1 hora
   *[other] { $n } horas
}
duration-days = { $n ->
    [one] 1 día
   *[other] { $n } días
}

## Verificación en dos pasos
twofa-title = Verificación en dos pasos
twofa-on = Activada
twofa-off = Desactivada
twofa-on-since = Activada desde { $value }
twofa-manage = Gestionar
twofa-set-up = Activar la verificación en dos pasos
twofa-intro = Con la verificación en dos pasos, una contraseña robada no basta para entrar en Vigil: la entrada pide además un código de una aplicación de su teléfono.
twofa-recommended = La recomendamos para todas las personas.
twofa-required-hint = Su rol exige la verificación en dos pasos.
twofa-must-enrol = Su rol exige la verificación en dos pasos. Actívela ahora: hasta entonces, Vigil no abre nada más.
twofa-step-app = Instale en su teléfono una aplicación de autenticación, si no tiene ninguna: sirve cualquiera de códigos «TOTP» (por ejemplo FreeOTP, Aegis o Google Authenticator).
twofa-step-scan = En la aplicación, añada una cuenta y escanee este código:
twofa-qr-alt = Código QR de su secreto de verificación en dos pasos
twofa-step-type = O escriba esta clave en la aplicación:
twofa-step-type-hint = Basada en el tiempo, 6 cifras, cada 30 segundos. Mantenga la clave en secreto.
twofa-step-confirm = Escriba el código de 6 cifras que muestra la aplicación
twofa-confirm = Activar
twofa-restart = Volver a empezar con una clave nueva
twofa-code = Código actual de su aplicación
twofa-codes-title = La verificación en dos pasos está activada. Guarde ahora sus códigos de recuperación.
twofa-codes-warning = Cada código le deja entrar una vez si pierde el teléfono. Imprímalos o cópielos y guárdelos en un lugar seguro, lejos del teléfono. No se volverán a mostrar.
twofa-codes-left = { $n ->
    [0] No le quedan códigos de recuperación: genere otros nuevos.
    [one] Le queda un código de recuperación sin usar.
   *[other] Le quedan { $n } códigos de recuperación sin usar.
}
twofa-continue = Continuar a Vigil
twofa-new-codes = Generar códigos de recuperación nuevos
twofa-new-codes-hint = Sus códigos de recuperación anteriores dejarán de funcionar.
twofa-turn-off = Desactivar la verificación en dos pasos
twofa-cannot-turn-off = Su rol exige la verificación en dos pasos, así que no se puede desactivar. Si pierde el teléfono, use un código de recuperación o pida a una persona administradora que la restablezca.
twofa-off-notice = La verificación en dos pasos está desactivada.

## Administración
users-2fa-on = Dos pasos: activada
users-2fa-off = Dos pasos: desactivada
users-2fa-reset = Restablecer dos pasos
users-2fa-reset-who = Restablecer la verificación en dos pasos de { $value }
users-2fa-reset-hint = Restablecer la verificación en dos pasos de alguien (un teléfono perdido) cierra sus sesiones; la configurará de nuevo en su próxima entrada.
users-2fa-reset-notice = Verificación en dos pasos restablecida: las sesiones de la persona se han cerrado.

## Bloqueo total
lockdown-title = Bloqueo total
lockdown-intro = Si allanan una oficina o se pierde un portátil o un teléfono, bloquee todo: todas las personas salen de Vigil a la vez y todos los programas que usan la API pierden el acceso.
lockdown-go = Bloquear todo…
lockdown-effect-sessions = Se cierran todas las sesiones de todas las personas, en todos los navegadores.
lockdown-effect-tokens = Se revocan para siempre todos los tokens de la API; los sistemas asociados necesitarán tokens nuevos.
lockdown-effect-you = Usted también sale, y vuelve a entrar.
lockdown-next-steps = Después, desactive las cuentas que puedan estar en malas manos, restablezca sus contraseñas y su verificación en dos pasos, y revise el registro de auditoría.
lockdown-confirm = Bloquear todo ahora
lockdown-done = Bloqueo total hecho.
lockdown-sessions = { $n ->
    [one] 1 sesión cerrada.
   *[other] { $n } sesiones cerradas.
}
lockdown-tokens = { $n ->
    [one] 1 token de la API revocado.
   *[other] { $n } tokens de la API revocados.
}
lockdown-after = Todas las personas, usted incluida, deben volver a entrar.
