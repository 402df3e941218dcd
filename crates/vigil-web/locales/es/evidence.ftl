## Vigil — mensajes en español de los archivos de prueba. Cada mensaje debe existir
## también en en/evidence.ftl.
evidence = Archivos de prueba
evidence-none = Todavía no hay archivos de prueba.
evidence-no-download = Su rol permite ver que estos archivos existen, pero no abrirlos.
evidence-file = Archivo
evidence-type = Tipo
evidence-size = Tamaño
evidence-captured = Captura
evidence-uploaded = Subido
evidence-file-hint = PDF, JPEG, PNG, WebP, MP4, MP3, OGG, WAV, texto plano, ODT o DOCX; como máximo { $value }. Los archivos se guardan cifrados y solo se descargan, nunca se abren en el navegador.
evidence-captured-at = Capturado (fecha, hora, lugar)
evidence-captured-by = Capturado por (persona o dispositivo)
evidence-capture-notes = Notas sobre la captura
evidence-upload = Subir
evidence-refused = Archivo rechazado
evidence-empty = El archivo está vacío.
evidence-too-large = El archivo supera el límite de { $value }. No se guardó nada.
evidence-type-unknown = Este tipo de archivo no se acepta (su contenido no corresponde a ningún formato permitido). No se guardó nada.
evidence-type-mismatch = El contenido del archivo no coincide con el tipo declarado ({ $value }). No se guardó nada.
evidence-no-file = Elija un archivo para subir.
