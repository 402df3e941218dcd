# Mapa coroplético mundial (src/map.rs).
map-no-data = Sin datos
map-withheld = Reservado
map-note = Los países en gris no tienen nada contado. Formas: Natural Earth (dominio público). La tabla de abajo tiene todas las cifras.
map-off = { $n ->
    [one] Un grupo no está en el mapa (país desconocido o sin forma); está en la tabla.
   *[other] { $n } grupos no están en el mapa (país desconocido o sin forma); están en la tabla.
}
map-download = Mapa en SVG
