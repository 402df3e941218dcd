## Vigil — English messages of evidence files. Every message here must exist in
## es/evidence.ftl.
evidence = Evidence files
evidence-none = No evidence files yet.
evidence-no-download = Your role sees that these files exist but cannot open them.
evidence-file = File
evidence-type = Type
evidence-size = Size
evidence-captured = Captured
evidence-uploaded = Uploaded
evidence-file-hint = PDF, JPEG, PNG, WebP, MP4, MP3, OGG, WAV, plain text, ODT or DOCX; at most { $value }. Files are encrypted when stored and are only ever downloaded, never opened in the browser.
evidence-captured-at = Captured at (date, time, place)
evidence-captured-by = Captured by (person or device)
evidence-capture-notes = Notes on the capture
evidence-upload = Upload
evidence-refused = File refused
evidence-empty = The file is empty.
evidence-too-large = The file is larger than the limit of { $value }. Nothing was stored.
evidence-type-unknown = This type of file is not accepted (its contents are not one of the allowed formats). Nothing was stored.
evidence-type-mismatch = The file's contents do not match its declared type ({ $value }). Nothing was stored.
evidence-no-file = Choose a file to upload.
