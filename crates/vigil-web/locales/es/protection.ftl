## Seguimiento de detenciones, calendario de audiencias, recordatorios (issue 6 puntos 4-5)
detained = Personas detenidas
detained-today = Días contados hasta el { $value }.
detained-none = Nadie figura como detenido en los casos que puede ver.
detentions = Detención
detentions-none = No hay detención registrada.
detention = Detención
detention-new = Registrar una detención
detention-edit = Editar o registrar la liberación
detention-release-help = Indique la fecha de liberación cuando la persona quede libre: la detención se cierra y sus días dejan de contar.
detention-place = Lugar de detención
detention-since = Detenida desde
detention-released = Liberada el
detention-held = Sigue detenida
detention-charges = Cargos
detention-days-h = Días de detención
detention-days = { $n ->
    [one] 1 día
   *[other] { $n } días
}
hearings = Audiencias
hearings-none = No hay audiencias registradas.
hearing-new = Añadir una audiencia
hearing-add = Añadir la audiencia
hearing-date = Fecha de la audiencia
hearing-time = Hora (local)
hearing-court = Juzgado o lugar
hearing-note = Nota
hearing-next = Próxima audiencia
hearing-upcoming = Próxima
hearing-remove = Quitar
timeline-detention = Detenida
timeline-hearing = Audiencia
timeline-released = Liberada
feed-page = Calendario de audiencias
feed-intro = Suscríbase a las próximas audiencias en su aplicación de calendario (un calendario no puede iniciar sesión, así que la dirección lleva un secreto). Quien tenga la dirección ve las audiencias que usted ve: manténgala privada y revóquela si se filtra. El bloqueo general revoca todas las direcciones de calendario.
feed-privacy = El calendario no contiene nombres: cada audiencia muestra el código de la persona, el número de caso, la fecha, la hora y el juzgado, y un enlace al caso (que exige iniciar sesión).
feed-new-once = Copie ahora esta dirección en su calendario: solo se muestra una vez.
feed-url = Dirección del calendario
feed-none = Aún no hay dirección de calendario.
feed-last-used = Última consulta
feed-live = Activa
feed-revoked = Revocada
feed-revoke = Revocar
feed-create = Crear una dirección de calendario
feed-back = Volver a mi cuenta
feed-title = Audiencias Vigil
feed-hearing = Audiencia
emails-page = Correos electrónicos para recordatorios
emails-intro = Cada día, las personas asignadas con una dirección reciben un resumen de sus acciones próximas o vencidas (solo números de caso y códigos, nunca nombres). Déjelo vacío para no enviar resumen.
emails-role = Rol
emails-address = Correo electrónico
err-released-before = La fecha de liberación es anterior a la de detención.
err-time-format = { $value } no es una hora (HH:MM).
err-detention-group = Este caso protege a un grupo: registre la detención en el caso propio de la persona detenida.
err-since-after-hearing = Hay una audiencia registrada el { $value }, antes de esta fecha.
err-hearing-before = La detención comenzó el { $value }: una audiencia no puede ser anterior.
err-email = { $value } no es una dirección de correo (nombre@ejemplo.org).
digest-subject = { $n ->
    [one] Vigil: 1 acción próxima o vencida
   *[other] Vigil: { $n } acciones próximas o vencidas
}
digest-intro = Sus acciones de protección de los próximos días o vencidas, al { $value }:
digest-overdue = { $n ->
    [one] VENCIDA hace 1 día
   *[other] VENCIDA hace { $n } días
}
digest-due-today = vence hoy
digest-due-in = { $n ->
    [one] vence mañana
   *[other] vence en { $n } días
}
digest-case = Caso
digest-footer = Este resumen no nombra a nadie: abra cada enlace (iniciando sesión) para ver los detalles. Lo recibe porque un administrador dio a Vigil su dirección.
