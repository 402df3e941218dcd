## Vigil — mensajes en español de las páginas de personas y grupos. Cada mensaje debe
## existir en en/persons.ftl. Las palabras comunes (guardar, editar …) están en main.ftl.

## Personas
person-code = Código
person-search-placeholder = Código o nombre
person-kind = Registrada como
person-kind-defender = Defensor/a de derechos humanos
person-kind-relative = Familiar
person-kind-witness = Testigo
person-kind-perpetrator = Perpetrador/a identificado/a
person-identity = Identidad
person-sensitive-hint = El nombre legal, los contactos y la dirección se guardan cifrados y solo los ven los roles autorizados a ver campos sensibles. En el resto de la aplicación la persona aparece por su código.
person-legal-name = Nombre legal
person-contacts = Contactos
person-address = Dirección
person-sex = Sexo
person-birth-year = Año de nacimiento
person-not-recorded = Sin registrar
person-profile = Perfil
person-characteristic = Característica
person-characteristics = Características
person-sector = Sector de defensa
person-sectors = Sectores de defensa
person-sdg-group = Grupo principal ODS 16.10.1
person-sdg-group-hint = Solo las personas con grupo cuentan en el indicador ODS 16.10.1.
person-memberships = Organizaciones de las que es miembro
person-memberships-hint = Códigos de grupo, separados por comas.
person-find-group = Buscar un código de grupo
person-consents = Consentimiento
person-consent-record = Consiente en ser registrada en Vigil
person-consent-record-hint = Obligatorio: sin este consentimiento no se puede conservar el registro.
person-consent-record-short = Registro
person-consent-share = Consiente en que se comparta con organizaciones aliadas y con las Naciones Unidas
person-consent-share-short = Compartir con aliadas y la ONU
person-consent-publish = Publicación
person-publish-no = Nunca se publica
person-publish-aggregate_only = Solo dentro de cifras agregadas
person-publish-named = Puede publicarse con su nombre
person-yes = Sí
person-no = No
person-hidden = oculto
person-names-hidden = Los nombres legales están ocultos: su rol no puede verlos. Las personas aparecen por su código.
person-violations = Violaciones contra esta persona
person-no-violations = No hay ninguna violación registrada contra esta persona.
person-edit = Editar { $value }
person-err-not-group = «{ $value }» es el código de una persona, no de un grupo.

## Grupos
group-code = Código
group-name = Nombre
group-type = Tipo
group-details = Grupo
group-search-placeholder = Nombre o código
group-violations = Violaciones contra este grupo
group-no-violations = No hay ninguna violación registrada contra este grupo.
group-edit = Editar «{ $value }»
