## Vigil — la página del registro de auditoría (español). Cada mensaje debe existir en en/audit.ftl.

nav-audit = Auditoría
audit-title = Registro de auditoría
audit-intro = Aquí queda registrado cada inicio de sesión, cada lectura de un registro sensible, cada búsqueda, exportación y cambio; cada entrada lleva el hash de la anterior, de modo que se detecta cualquier modificación, eliminación o reordenamiento. Las entradas nunca contienen nombres, relatos ni el texto de las búsquedas.
audit-head = Hash de la última entrada (guarde una copia en otro lugar para detectar un registro reescrito):
audit-chain-intact = { $n ->
    [one] Cadena verificada: una entrada, íntegra.
   *[other] Cadena verificada: { $n } entradas, íntegra.
}
audit-chain-broken = La cadena de auditoría está rota en la entrada { $n }:
audit-broken-hint = Se modificaron, eliminaron o reordenaron entradas fuera de Vigil. Conserve esta base de datos tal como está e investigue quién tuvo acceso a ella.
audit-problem-modified = su contenido no coincide con su hash (la entrada fue modificada).
audit-problem-missing = falta (se eliminaron entradas).
audit-problem-out_of_order = no se encadena con la entrada anterior (se reordenaron o insertaron entradas, o se reescribió la anterior).
audit-problem-unrecorded = está más allá del final registrado de la cadena (se añadió fuera de Vigil).
audit-bad-date = No se pudo leer una fecha (use AAAA-MM-DD); se ha ignorado.
audit-count = { $n ->
    [one] Una entrada
   *[other] { $n } entradas
}
audit-when = Cuándo (UTC)
audit-action = Acción
audit-entity = Sobre
audit-from = Desde
audit-to = Hasta
audit-detail = Detalle
audit-hash = Hash
audit-unknown-account = cuenta desconocida

audit-action-login = Inicio de sesión
audit-action-login_failed = Inicio de sesión fallido
audit-action-read = Lectura
audit-action-list = Listado
audit-action-search = Búsqueda
audit-action-export = Exportación
audit-action-create = Creación
audit-action-update = Modificación
audit-action-import = Importación
audit-action-user_create = Cuenta creada
audit-action-user_disable = Cuenta desactivada
audit-action-user_enable = Cuenta activada
audit-action-user_role = Rol cambiado
audit-action-term_add = Término añadido
audit-action-term_delete = Término eliminado
audit-action-token_create = Token de API creado
audit-action-token_revoke = Token de API revocado
audit-action-compartment_create = Compartimento creado
audit-action-compartment_join = Entrada en un compartimento
audit-action-compartment_leave = Salida de un compartimento
audit-action-compartment_member_add = Miembro añadido a un compartimento
audit-action-compartment_member_remove = Miembro retirado de un compartimento
audit-action-second_factor = Segundo factor aceptado
audit-action-second_factor_failed = Segundo factor rechazado
audit-action-recovery_code_used = Código de recuperación usado
audit-action-two_factor_enrol = Verificación en dos pasos activada
audit-action-recovery_codes_renew = Nuevos códigos de recuperación
audit-action-two_factor_disable = Verificación en dos pasos desactivada
audit-action-two_factor_reset = Verificación en dos pasos restablecida
audit-action-password_change = Contraseña cambiada
audit-action-session_revoke = Sesión cerrada
audit-action-lockdown = Bloqueo total
audit-action-evidence_upload = Prueba subida
audit-action-evidence_view = Detalles de pruebas consultados
audit-action-evidence_download = Prueba descargada
audit-action-key_rotate = Clave maestra rotada

audit-entity-incident = Incidente
audit-entity-person = Persona
audit-entity-group = Grupo
audit-entity-user = Cuenta
audit-entity-api_token = Token de API
audit-entity-vocab_term = Término de vocabulario
audit-entity-audit_log = Registro de auditoría
audit-entity-evidence = Archivo de prueba
audit-entity-compartment = Compartimento
audit-entity-master_key = Clave maestra
