## Vigil — mensajes de la interfaz en español. Cada mensaje debe existir también en en/main.ftl.

## Marco
skip-to-content = Ir al contenido
nav-main = Principal
nav-incidents = Incidentes
nav-persons = Personas
nav-groups = Grupos
nav-vocabularies = Vocabularios
nav-users = Usuarios
logout = Cerrar sesión
demo-banner = Instancia de demostración: todos los registros son ficticios. Nunca introduzca información real.
home-title = Resumen
go-back = Volver
any = Cualquiera
choose = Elija…
none-chosen = Ninguno
sensitive = sensible
redacted = Oculto: su rol no puede ver este campo.
save = Guardar
saved = Guardado.
cancel = Cancelar
edit = Editar
history = Historial
version = Versión
when = Cuándo
who = Quién
changed-fields = Campos modificados
created = Creado
updated = Actualizado
back-to-list = Volver a la lista
pagination = Páginas
page = Página
previous = Anterior
next = Siguiente
results-count = { $n ->
    [one] Un resultado
   *[other] { $n } resultados
}
results-count-more = Más de { $n } resultados
no-results = Nada coincide con estos filtros.
search = Buscar
search-incidents = Buscar incidentes
search-placeholder = Palabras de títulos, lugares, nombres o códigos (defen* = empieza por)
apply-filters = Aplicar filtros
clear-filters = Quitar filtros
export-csv = Exportar como CSV

## Acceso
login-title = Entrar en Vigil
login = Entrar
login-failed = Usuario o contraseña incorrectos. Tras varios intentos fallidos, espere unos minutos antes de volver a intentarlo.
username = Usuario
password = Contraseña

## Incidentes
incident = Incidente
incident-new = Registrar un incidente
incident-edit = Editar «{ $value }»
title = Título
narrative = Relato
date = Fecha
start-date = Fecha de inicio
end-date = Fecha de fin
date-hint = Escriba la fecha con la precisión conocida: 2024-03-15 (día), 2024-03 (mes) o 2024 (año).
country = País
country-hint = Nombre o código ISO, p. ej. Colombia o CO.
region = Región
locality = Localidad
place = Lugar
coordinates = Coordenadas
latitude = Latitud
longitude = Longitud
business-sector = Sector empresarial vinculado
status = Estado
status-reported = Denunciado
status-under_verification = En verificación
status-verified = Verificado
status-unverifiable = No verificable
status-rejected = Descartado
verified-hint = Un incidente solo puede marcarse como verificado con al menos dos fuentes de distinto origen.
verification-override = Verificación excepcional por la administración
verification-override-hint = Solo para verificar sin dos fuentes independientes: indique el motivo, que queda en el registro.
external-id = Identificador externo
violations = Violaciones
violation = Violación
violation-type = Tipo de violación
victim = Víctima
victim-code = Código de la víctima (persona o grupo)
victim-hint = Escriba el código de una persona (HRD-…) o de un grupo (GRP-…) registrado.
find-person = Buscar un código
violation-date = Fecha de la violación
violation-date-hint = Déjela vacía si es la fecha de inicio del incidente.
outcome = Resultado
reprisal-un = Represalia por cooperar con las Naciones Unidas
reprisal-un-short = Represalia ONU
perpetrators = Perpetradores
perpetrator-type = Tipo de perpetrador
perpetrator-named = Código del perpetrador identificado (opcional)
add-perpetrator = Añadir otro perpetrador
add-violation = Añadir otra violación
sources = Fuentes
source = Fuente
source-type = Tipo de fuente
reliability = Fiabilidad
origin = Origen
origin-hint = De quién o de dónde procede la información. Dos fuentes son independientes si su origen es distinto.
description = Descripción
add-source = Añadir otra fuente
no-sources = Aún no hay fuentes.
sources-independent = { $n ->
    [one] una fuente independiente
   *[other] { $n } fuentes independientes
}
victim-characteristic = Característica de la víctima
year = Año
form-errors = { $n ->
    [one] Hay un problema que corregir antes de guardar:
   *[other] Hay { $n } problemas que corregir antes de guardar:
}

## Personas y grupos
person-new = Registrar una persona
group-new = Registrar un grupo

## Errores
error-not-found = No encontrado
error-not-found-detail = No hay nada en esta dirección, o se eliminó.
error-forbidden = No permitido
error-forbidden-detail = Su rol no permite hacer esto.
error-bad-request = Algo en la solicitud no es correcto
error-bad-request-detail = Vuelva atrás y revise lo que introdujo.
error-conflict = Modificado mientras tanto
error-conflict-detail = Otra persona guardó este registro después de que usted lo abriera. Ábralo de nuevo para ver sus cambios.
error-internal = Algo salió mal
error-internal-detail = El error quedó registrado. Inténtelo de nuevo; si persiste, avise a la administración.
csrf-title = Este formulario ha caducado
csrf-detail = Por su seguridad, los formularios solo valen en la sesión que los abrió. Vuelva atrás, recargue la página y envíelo de nuevo.

## Errores de campo
err-required = Este campo es obligatorio.
err-too-long = Demasiado largo: como máximo { $value } caracteres.
err-too-many = Demasiados: como máximo { $value }.
err-control-chars = Contiene caracteres de control invisibles.
err-unknown-code = Valor desconocido «{ $value }».
err-unknown-country = País desconocido «{ $value }»: use un nombre o un código ISO.
err-date-format = «{ $value }» no es una fecha: escriba 2024-03-15, 2024-03 o 2024.
err-date-future = { $value } está en el futuro.
err-end-before-start = La fecha de fin es anterior a la de inicio.
err-coordinates-range = La latitud debe estar entre -90 y 90, la longitud entre -180 y 180.
err-coordinates-pair = Indique latitud y longitud, o ninguna.
err-number = No es un número.
err-no-violations = Registre al menos una violación.
err-verified-needs-sources = Verificado requiere dos fuentes independientes (ahora { $value }).
err-override-not-allowed = Solo la administración puede verificar sin dos fuentes independientes.
err-status-transition = Este cambio de estado no está permitido ({ $value }).
err-unknown-victim = No existe ninguna persona o grupo con id { $value }.
err-unknown-group = No existe ningún grupo con id { $value }.
err-external-id-taken = El identificador externo «{ $value }» ya está en uso.
err-birth-year = El año de nacimiento { $value } no es plausible.
err-consent-record = Se necesita el consentimiento para registrar a esta persona.
err-conflict = Otra persona guardó este registro después de que usted lo abriera. Recárguelo y aplique sus cambios de nuevo.
err-username = Los nombres de usuario tienen de 2 a 64 letras, cifras, puntos, guiones, guiones bajos o @.
err-username-taken = Este nombre de usuario ya existe.
err-password-short = Las contraseñas necesitan al menos { $value } caracteres.
err-password-username = La contraseña no puede ser el nombre de usuario.
err-code-syntax = Los códigos usan minúsculas, cifras y _ y empiezan por una letra («{ $value }» no lo cumple).
err-code-taken = El código «{ $value }» ya existe.
err-term-builtin = Los términos integrados no se pueden eliminar («{ $value }»).
err-term-in-use = Este término se usa en { $value } registros y no se puede eliminar.
