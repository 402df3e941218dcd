# World choropleth map (src/map.rs).
map-no-data = No data
map-withheld = Withheld
map-note = Countries in grey have nothing counted. Shapes: Natural Earth (public domain). The table below has every figure.
map-off = { $n ->
    [one] One group is not on the map (unknown country or no shape); it is in the table.
   *[other] { $n } groups are not on the map (unknown country or no shape); they are in the table.
}
map-download = Map as SVG
