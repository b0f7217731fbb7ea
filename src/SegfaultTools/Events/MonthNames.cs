namespace SegfaultTools;

/// <summary>
/// Month abbreviations as journalctl, syslog and dmesg -T print them under common locales
/// (journalctl and dmesg follow LC_TIME, so logs say "Mär", "lug" or "may").
/// </summary>
internal static class MonthNames
{
    private static readonly Dictionary<string, int> Months = Build();

    private static Dictionary<string, int> Build()
    {
        var table = new (int Month, string[] Names)[]
        {
            (1, new[] { "jan", "january", "janv", "ene", "gen", "sty", "led", "ocak", "tammi", "янв", "січ", "gennaio", "enero", "januar", "janeiro", "janvier" }),
            (2, new[] { "feb", "february", "févr", "fev", "fév", "lut", "úno", "şub", "helmi", "фев", "лют", "febr" }),
            (3, new[] { "mar", "march", "mär", "mrt", "mars", "bře", "mart", "maalis", "мар", "бер", "märz", "marzo", "março", "maart" }),
            (4, new[] { "apr", "april", "avr", "abr", "kwi", "dub", "nis", "huhti", "апр", "кві", "aprile", "abril", "avril" }),
            (5, new[] { "may", "mai", "mag", "mei", "maj", "kvě", "touko", "мая", "май", "тра", "maggio", "mayo", "maio" }),
            (6, new[] { "jun", "june", "juin", "giu", "cze", "čvn", "haz", "kesä", "июн", "чер", "juni", "junio", "junho", "giugno" }),
            (7, new[] { "jul", "july", "juil", "lug", "lip", "čvc", "tem", "heinä", "июл", "лип", "juli", "julio", "julho", "luglio" }),
            (8, new[] { "aug", "august", "août", "ago", "sie", "srp", "ağu", "elo", "авг", "сер", "agosto" }),
            (9, new[] { "sep", "sept", "september", "set", "wrz", "zář", "eyl", "syys", "сен", "вер", "settembre", "septiembre", "setembro" }),
            (10, new[] { "oct", "october", "okt", "ott", "out", "paź", "říj", "eki", "loka", "окт", "жов", "oktober", "ottobre", "octubre", "outubro" }),
            (11, new[] { "nov", "november", "lis", "kas", "marras", "ноя", "лис", "novembre", "noviembre", "novembro" }),
            (12, new[] { "dec", "december", "déc", "dez", "dic", "gru", "pro", "ara", "joulu", "дек", "гру", "dezember", "dicembre", "diciembre", "dezembro" }),
        };
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var (month, names) in table)
        {
            foreach (var n in names)
            {
                map[n] = month;
            }
        }
        return map;
    }

    /// <summary>Month number 1-12 for an abbreviation such as "Jan", "Mär", "janv." or "lug"; 0 if unknown.</summary>
    public static int Parse(ReadOnlySpan<char> token)
    {
        token = token.TrimEnd('.');
        if (token.Length is < 3 or > 12)
        {
            return 0;
        }
        return Months.TryGetValue(token.ToString(), out var m) ? m : 0;
    }
}
