package account

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"sync"
)

// Charts of HR's console, drawn on the server as SVG: no chart script.
// Each is a figure whose SVG has a title and a description (read by screen
// readers as one image), a legend, and the same numbers as a table under
// a disclosure, so every figure can be read, copied and checked.

// chart is one figure: Labels along one axis, one value per label in each
// series.
type chart struct {
	ID      string // unique on the page: the ids of its title and description
	Title   string
	Desc    string // what it shows, in one sentence, for screen readers
	Labels  []string
	Series  []series
	Table   string // the disclosure's label ("数値を表で見る")
	Percent bool   // values are percentages (0-100): the axis ends at 100
	// LabelsAbove (rows): each label on its own line over its bars, the
	// whole width, for names (events, newsletters) rather than short words.
	LabelsAbove bool
}

type series struct {
	Name   string
	Values []int64
}

// Geometry of the SVG's coordinate system (it scales to its box).
const (
	chartWidth = 360
	plotLeft   = 34 // room for the axis' numbers
	plotRight  = 8
	plotTop    = 12
	plotHeight = 180
	labelsRoom = 40
)

type bar struct {
	X, Y, W, H int
	Class      string
	Label      string // for the bar's own title (a hover tip)
}

type tick struct {
	Y    int
	Text string
}

type axisLabel struct {
	X    int
	Text string
}

type rowBar struct {
	Label string
	Y     int
	Bars  []bar
	Texts []valueText
}

type valueText struct {
	X, Y int
	Text string
}

// maxTicks is the most steps a column chart's axis is cut into.
const maxTicks = 4

// niceScale is the axis for values up to v: a step of 1, 2 or 5 times a
// power of ten, the smallest that reaches v in at most maxTicks steps, and
// the top, a whole number of steps at or above v (at least one step). So
// the gridlines are equal steps of whole numbers: 0/1/2/3 for 3, 0/2/4/6
// for 5, 0/5/10 for 10, 0/100/200/300 for 260.
func niceScale(v int64) (top, step int64) {
	v = max(v, 1)
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			step = m * p
			if n := (v + step - 1) / step; n <= maxTicks {
				return n * step, step
			}
		}
	}
}

// barLength is v's share of full (pixels) on an axis ending at top: 0
// for 0, so a zero draws no bar, and at least 1 for any other value, so a
// small one is not mistaken for none.
func barLength(v, top int64, full int) int {
	if v <= 0 || top <= 0 {
		return 0
	}
	return max(1, int(v*int64(full)/top))
}

// columns draws c as grouped columns over its labels (months, quarters).
func (c chart) columns() template.HTML {
	top, step := int64(100), int64(25)
	if !c.Percent {
		top, step = niceScale(c.largest())
	}
	plotW := chartWidth - plotLeft - plotRight
	group := plotW / max(1, len(c.Labels))
	barW := max(2, (group-6)/max(1, len(c.Series)))
	var bars []bar
	for i := range c.Labels {
		for k, s := range c.Series {
			v := s.Values[i]
			h := barLength(v, top, plotHeight)
			if h == 0 {
				continue // the table and the bar's neighbours say 0
			}
			x := plotLeft + i*group + 3 + k*barW
			bars = append(bars, bar{X: x, Y: plotTop + plotHeight - h, W: barW - 1, H: h,
				Class: "s" + strconv.Itoa(k), Label: fmt.Sprintf("%s %s: %d", c.Labels[i], s.Name, v)})
		}
	}
	var ticks []tick
	for v := int64(0); v <= top; v += step {
		ticks = append(ticks, tick{Y: plotTop + plotHeight - int(v*plotHeight/top), Text: c.format(v)})
	}
	// Every label when they fit, else every other (the table has them all).
	every := 1
	if len(c.Labels) > 6 {
		every = 2
	}
	var labels []axisLabel
	for i, l := range c.Labels {
		if i%every == (len(c.Labels)-1)%every {
			labels = append(labels, axisLabel{X: plotLeft + i*group + group/2, Text: l})
		}
	}
	return c.render(map[string]any{"Kind": "columns", "Width": chartWidth, "Bars": bars, "Ticks": ticks, "Labels": labels,
		"Height": plotTop + plotHeight + labelsRoom, "Base": plotTop + plotHeight, "Right": chartWidth - plotRight, "Left": plotLeft})
}

// rows draws c as horizontal bars, one row per label (a funnel, stages,
// events), each value written beside its bar.
func (c chart) rows() template.HTML {
	top := int64(100)
	if !c.Percent {
		top = max(1, c.largest())
	}
	const valueW, rowGap = 44, 10
	labelW, labelH, labelX, anchor := 124, 0, 116, "end"
	if c.LabelsAbove {
		labelW, labelH, labelX, anchor = 0, 18, 0, "start"
	}
	barH := 14
	rowH := labelH + barH*len(c.Series) + rowGap
	plotW := chartWidth - labelW - valueW
	var rows []rowBar
	for i, l := range c.Labels {
		y := plotTop + i*rowH
		r := rowBar{Label: l, Y: y + barH*len(c.Series)/2 + 4}
		if c.LabelsAbove {
			r.Y = y + 12
		}
		for k, s := range c.Series {
			v := s.Values[i]
			w := barLength(v, top, plotW)
			by := y + labelH + k*barH
			if w > 0 { // a zero draws no mark; its number still says 0
				r.Bars = append(r.Bars, bar{X: labelW, Y: by, W: w, H: barH - 2, Class: "s" + strconv.Itoa(k),
					Label: fmt.Sprintf("%s %s: %s", l, s.Name, c.format(v))})
			}
			r.Texts = append(r.Texts, valueText{X: labelW + w + 4, Y: by + barH - 4, Text: c.format(v)})
		}
		rows = append(rows, r)
	}
	return c.render(map[string]any{"Kind": "rows", "Width": chartWidth, "Rows": rows, "Height": plotTop + len(c.Labels)*rowH + 4, "LabelX": labelX, "Anchor": anchor})
}

// largest is the largest value of c's series (0 when none).
func (c chart) largest() int64 {
	var top int64
	for _, s := range c.Series {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	return top
}

func (c chart) format(v int64) string {
	if c.Percent {
		return strconv.FormatInt(v, 10) + "%"
	}
	return strconv.FormatInt(v, 10)
}

func (c chart) render(geo map[string]any) template.HTML {
	var b bytes.Buffer
	if err := chartTmpl().Execute(&b, map[string]any{"C": c, "G": geo}); err != nil {
		return template.HTML(template.HTMLEscapeString(err.Error()))
	}
	return template.HTML(b.String()) // #nosec G203 -- html/template escaped every value
}

var chartTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("chart").Funcs(template.FuncMap{
		"cell": func(c chart, v int64) string { return c.format(v) },
	}).Parse(`<figure class="chart" aria-labelledby="{{.C.ID}}-cap">
<figcaption id="{{.C.ID}}-cap">{{.C.Title}}</figcaption>
{{if gt (len .C.Series) 1}}<ul class="chart-legend">{{range $k, $s := .C.Series}}<li><span class="swatch s{{$k}}"></span>{{$s.Name}}</li>{{end}}</ul>{{end}}
<svg viewBox="0 0 {{.G.Width}} {{.G.Height}}" role="img" aria-labelledby="{{.C.ID}}-title {{.C.ID}}-desc" focusable="false">
<title id="{{.C.ID}}-title">{{.C.Title}}</title>
<desc id="{{.C.ID}}-desc">{{.C.Desc}}</desc>
{{if eq .G.Kind "columns"}}
{{range .G.Ticks}}<line class="grid" x1="{{$.G.Left}}" x2="{{$.G.Right}}" y1="{{.Y}}" y2="{{.Y}}"/><text class="tick" x="{{$.G.Left}}" dx="-6" y="{{.Y}}" dy="4" text-anchor="end">{{.Text}}</text>
{{end}}{{range .G.Bars}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}</title></rect>
{{end}}{{range .G.Labels}}<text class="axis" x="{{.X}}" y="{{$.G.Base}}" dy="18" text-anchor="middle">{{.Text}}</text>
{{end}}{{else}}
{{range .G.Rows}}<text class="axis" x="{{$.G.LabelX}}" y="{{.Y}}" text-anchor="{{$.G.Anchor}}">{{.Label}}</text>
{{range .Bars}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}</title></rect>
{{end}}{{range .Texts}}<text class="value" x="{{.X}}" y="{{.Y}}">{{.Text}}</text>
{{end}}{{end}}{{end}}</svg>
<details class="chart-data"><summary>{{.C.Table}}</summary>
<div class="table-scroll" tabindex="0" role="region" aria-label="{{.C.Title}}"><table>
<thead><tr><td></td>{{range .C.Series}}<th scope="col">{{.Name}}</th>{{end}}</tr></thead>
<tbody>{{range $i, $l := .C.Labels}}<tr><th scope="row">{{$l}}</th>{{range $.C.Series}}<td>{{cell $.C (index .Values $i)}}</td>{{end}}</tr>
{{end}}</tbody></table></div></details>
</figure>`))
})
