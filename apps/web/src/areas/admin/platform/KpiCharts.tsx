import { Card, Text } from '@mantine/core'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'

/** One chart: a date axis and one or more series (recharts, loaded with the KPI page only). */
export interface ChartSpec {
  title: string
  kind: 'line' | 'bar'
  data: Record<string, string | number>[]
  series: { key: string; label: string; color: string }[]
  /** Formats values on the axis and in the tooltip. */
  format?: (value: number) => string
}

const shortDate = (d: string) => d.slice(5)
/** Legend and tooltip text stay dark (AA contrast); the series colour is in the swatch. */
const TEXT = '#212529'

export default function KpiChart({ spec }: { spec: ChartSpec }) {
  const fmt = (v: unknown) => (spec.format ? spec.format(Number(v)) : String(v))
  // An array rather than a fragment: chart children are read as a flat list.
  const common = [
    <CartesianGrid key="grid" strokeDasharray="3 3" />,
    <XAxis key="x" dataKey="date" tickFormatter={shortDate} fontSize={12} minTickGap={16} />,
    <YAxis key="y" allowDecimals={false} tickFormatter={fmt} fontSize={12} width={64} />,
    <Tooltip key="tip" formatter={fmt} itemStyle={{ color: TEXT }} labelStyle={{ color: TEXT }} />,
    <Legend key="legend" formatter={(value) => <span style={{ color: TEXT }}>{String(value)}</span>} />,
  ]
  return (
    <Card withBorder component="figure" m={0} data-testid="kpi-chart">
      <Text component="figcaption" fw={600} mb="xs">
        {spec.title}
      </Text>
      <div style={{ width: '100%', height: 240 }} role="img" aria-label={`${spec.title}, chart by day`}>
        <ResponsiveContainer width="100%" height="100%">
          {spec.kind === 'line' ? (
            <LineChart data={spec.data}>
              {common}
              {spec.series.map((s) => (
                <Line
                  key={s.key}
                  type="monotone"
                  dataKey={s.key}
                  name={s.label}
                  stroke={s.color}
                  dot={false}
                />
              ))}
            </LineChart>
          ) : (
            <BarChart data={spec.data}>
              {common}
              {spec.series.map((s) => (
                <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} />
              ))}
            </BarChart>
          )}
        </ResponsiveContainer>
      </div>
    </Card>
  )
}
