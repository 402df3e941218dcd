## Vigil — vocabularios, administración de usuarios y la página de la cuenta (español).
## Cada mensaje de aquí debe existir en en/admin.ftl.

## Roles e idiomas
role-admin = Administrador/a
role-protection_officer = Oficial de protección
role-documenter = Documentador/a
role-analyst = Analista
role-viewer = Lector/a
language-browser = Idioma del navegador
language-en = English
language-es = Español

## Vocabularios
vocab-intro = Cada lista de Vigil es un vocabulario: los registros guardan el código estable y la etiqueta se muestra en el idioma de quien lee. Los términos integrados no se pueden eliminar; quienes administran pueden añadir términos.
vocab-contents = Vocabularios de esta página
vocab-kind-violation_type = Tipos de violación
vocab-kind-perpetrator_type = Tipos de perpetrador
vocab-kind-source_type = Tipos de fuente
vocab-kind-reliability = Fiabilidad de la fuente
vocab-kind-business_sector = Sectores empresariales
vocab-kind-characteristic = Características de la víctima
vocab-kind-sector_of_defence = Ámbitos de defensa
vocab-kind-sdg_group = Grupos de víctimas del ODS 16.10.1
vocab-kind-sex = Sexo
vocab-kind-group_type = Tipos de grupo
vocab-code = Código
vocab-label-en = Etiqueta en inglés
vocab-label-es = Etiqueta en español
vocab-sdg-category = Categoría del ODS 16.10.1
vocab-verb = Verbo de la resolución
vocab-actor = Actor
vocab-origin = Origen
vocab-builtin = Integrado
vocab-added = Añadido
vocab-sdg-killing = Asesinato
vocab-sdg-enforced_disappearance = Desaparición forzada
vocab-sdg-kidnapping = Secuestro
vocab-sdg-arbitrary_detention = Detención arbitraria
vocab-sdg-torture = Tortura
vocab-sdg-other_harmful_act = Otro acto lesivo
vocab-verb-killing = Asesinato
vocab-verb-criminalisation = Criminalización
vocab-verb-curtailing = Restricción
vocab-actor-state = Estatal
vocab-actor-non_state = No estatal
vocab-actor-unknown = Desconocido
vocab-add-term-to = Añadir un término a «{ $value }»
vocab-add = Añadir el término
vocab-code-hint = El código de un término nuevo usa letras minúsculas, dígitos y _, y empieza por una letra. No se puede cambiar después: los registros lo conservan.
vocab-remove = Eliminar
vocab-remove-term = Eliminar el término “{ $value }”
vocab-term-added = Término añadido.
vocab-term-removed = Término eliminado.
vocab-nothing-changed = No se ha cambiado nada.

## Usuarios
users-display-name = Nombre visible
users-role = Rol
users-role-of = Rol de { $value }
users-state = Estado
users-active = Activa
users-disabled = Desactivada
users-you = (usted)
users-change-role = Cambiar el rol
users-disable = Desactivar
users-enable = Activar
users-disable-who = Desactivar a { $value }
users-enable-who = Activar a { $value }
users-disable-hint = Desactivar una cuenta cierra sus sesiones y revoca sus tokens de API de inmediato.
users-self-hint = No puede desactivar su propia cuenta ni cambiar su propio rol; otra persona administradora sí puede.
users-self-refused = No puede desactivar su propia cuenta ni cambiar su propio rol. Pida a otra persona administradora que lo haga.
users-add = Añadir un usuario
users-language = Idioma
users-initial-password = Contraseña inicial
users-password-hint = { $n ->
    [one] Al menos un carácter, distinta del nombre de usuario. Entréguela a la persona por un canal seguro.
   *[other] Al menos { $n } caracteres, distinta del nombre de usuario. Entréguela a la persona por un canal seguro.
}
users-create = Crear el usuario
users-not-created = No se ha creado el usuario: revise los campos siguientes.
users-created-notice = Usuario creado.
users-role-changed = Rol cambiado.
users-disabled-notice = Cuenta desactivada: se cerraron sus sesiones y sus tokens de API.
users-enabled-notice = Cuenta activada.

## Cuenta
account-title = Su cuenta
account-language = Idioma de la interfaz
account-language-choose = Mostrar Vigil en
account-language-hint = Con «Idioma del navegador», Vigil sigue la configuración de su navegador.
account-language-saved = Idioma guardado.
account-tokens = Tokens de API
account-tokens-intro = Un token permite que un programa (un sistema asociado, un script) use la API JSON de Vigil en su nombre, con los permisos de su rol. Guárdelo tan en secreto como una contraseña y revóquelo cuando ya no haga falta.
account-tokens-usage = Envíelo en la cabecera Authorization de cada petición a una dirección bajo /api/v1/:
account-tokens-api = La API se describe en
token-none = No tiene tokens de API.
token-name = Nombre
token-name-hint = Para qué sirve el token, p. ej. «sincronización con la organización asociada».
token-last-used = Último uso
token-never-used = Nunca
token-active = Activo
token-revoked = Revocado
token-revoke = Revocar
token-revoke-which = Revocar el token «{ $value }»
token-revoked-notice = Token revocado.
token-create-heading = Crear un token
token-create = Crear el token
token-new-title = Token «{ $value }» creado.
token-new-warning = Cópielo ahora y guárdelo en un lugar seguro: no se volverá a mostrar. Vigil solo guarda una huella del token.
token-secret = Su nuevo token
