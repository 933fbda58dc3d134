using System.Globalization;
using System.Text;

namespace Estimo.Simulator.Jira;

/// <summary>A JQL query in the subset the simulator understands.</summary>
public sealed record JqlQuery(IReadOnlyList<JqlClause> Clauses, IReadOnlyList<JqlOrder> OrderBy)
{
    public bool IsUnbounded => Clauses.Count == 0;
}

/// <summary><c>field op values</c>; a function value such as <c>openSprints()</c> is kept by name.</summary>
public sealed record JqlClause(string Field, bool Negated, IReadOnlyList<string> Values, string? Function, int Position);

public sealed record JqlOrder(string Field, bool Descending);

/// <summary>A query Jira would refuse, with Jira's wording.</summary>
public sealed class JqlException(string message) : Exception(message);

/// <summary>
/// Parses the JQL subset Estimo needs: clauses on project, sprint, status, key and issuetype with
/// <c>=</c>, <c>!=</c>, <c>in (…)</c> and <c>not in (…)</c>, joined by AND, then
/// <c>ORDER BY rank|key|created|summary [ASC|DESC]</c>. Anything else is refused with a 400 whose
/// text follows Jira's. OR and parentheses are not supported (Jira supports them).
/// </summary>
public static class JqlParser
{
    private static readonly Dictionary<string, string> FieldAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["project"] = "project",
        ["sprint"] = "sprint",
        ["status"] = "status",
        ["key"] = "key",
        ["issuekey"] = "key",
        ["id"] = "key",
        ["issuetype"] = "issuetype",
        ["type"] = "issuetype",
    };

    private static readonly Dictionary<string, string> OrderAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["rank"] = "rank",
        ["key"] = "key",
        ["issuekey"] = "key",
        ["created"] = "created",
        ["summary"] = "summary",
        ["updated"] = "updated",
    };

    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase) { "openSprints", "futureSprints", "closedSprints" };

    private enum Kind { Word, String, Symbol, End }

    private sealed record Token(Kind Kind, string Text, int Position);

    public static JqlQuery Parse(string? jql)
    {
        var tokens = Tokenize(jql ?? "");
        var p = 0;
        Token Peek() => tokens[p];
        Token Next() => tokens[p++];
        bool IsWord(Token t, string w) => t.Kind == Kind.Word && string.Equals(t.Text, w, StringComparison.OrdinalIgnoreCase);

        var clauses = new List<JqlClause>();
        var order = new List<JqlOrder>();

        if (Peek().Kind != Kind.End && !IsWord(Peek(), "order"))
        {
            while (true)
            {
                clauses.Add(ParseClause());
                var t = Peek();
                if (IsWord(t, "and"))
                {
                    Next();
                    continue;
                }
                if (IsWord(t, "or"))
                {
                    throw new JqlException($"Error in the JQL Query: 'OR' is valid JQL but the Estimo simulator supports only AND. (line 1, character {t.Position + 1})");
                }
                if (t.Kind == Kind.End || IsWord(t, "order"))
                {
                    break;
                }
                throw new JqlException($"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{t.Text}'. (line 1, character {t.Position + 1})");
            }
        }

        if (IsWord(Peek(), "order"))
        {
            var orderToken = Next();
            if (!IsWord(Peek(), "by"))
            {
                throw new JqlException($"Error in the JQL Query: Expecting 'BY' but got '{Describe(Peek())}'. (line 1, character {Peek().Position + 1})");
            }
            Next();
            while (true)
            {
                var f = Next();
                if (f.Kind is not (Kind.Word or Kind.String))
                {
                    throw new JqlException($"Error in the JQL Query: Expecting a field name but got '{Describe(f)}'. (line 1, character {f.Position + 1})");
                }
                if (!OrderAliases.TryGetValue(f.Text, out var field))
                {
                    throw new JqlException($"Field '{f.Text}' does not exist or you do not have permission to view it.");
                }
                var desc = false;
                if (IsWord(Peek(), "asc"))
                {
                    Next();
                }
                else if (IsWord(Peek(), "desc"))
                {
                    Next();
                    desc = true;
                }
                order.Add(new JqlOrder(field, desc));
                if (Peek().Kind == Kind.Symbol && Peek().Text == ",")
                {
                    Next();
                    continue;
                }
                break;
            }
            _ = orderToken;
        }

        if (Peek().Kind != Kind.End)
        {
            var t = Peek();
            throw new JqlException($"Error in the JQL Query: Expecting end of query but got '{t.Text}'. (line 1, character {t.Position + 1})");
        }
        return new JqlQuery(clauses, order);

        JqlClause ParseClause()
        {
            var f = Next();
            if (f.Kind is not (Kind.Word or Kind.String))
            {
                throw new JqlException($"Error in the JQL Query: Expecting a field name but got '{Describe(f)}'. (line 1, character {f.Position + 1})");
            }
            if (!FieldAliases.TryGetValue(f.Text, out var field))
            {
                throw new JqlException($"Field '{f.Text}' does not exist or you do not have permission to view it.");
            }
            var op = Next();
            var negated = false;
            bool list;
            if (op.Kind == Kind.Symbol && op.Text is "=" or "!=")
            {
                negated = op.Text == "!=";
                list = false;
            }
            else if (IsWord(op, "in"))
            {
                list = true;
            }
            else if (IsWord(op, "not") && IsWord(Peek(), "in"))
            {
                Next();
                negated = true;
                list = true;
            }
            else
            {
                throw new JqlException($"Error in the JQL Query: Expecting operator but got '{Describe(op)}'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character {op.Position + 1})");
            }

            // A function such as openSprints() may stand where a value or a list may.
            if (Peek().Kind == Kind.Word && p + 1 < tokens.Count && tokens[p + 1].Kind == Kind.Symbol && tokens[p + 1].Text == "(")
            {
                var fn = Next();
                Next();
                var close = Next();
                if (close.Kind != Kind.Symbol || close.Text != ")")
                {
                    throw new JqlException($"Error in the JQL Query: Expecting ')' but got '{Describe(close)}'. (line 1, character {close.Position + 1})");
                }
                if (!Functions.Contains(fn.Text) || field != "sprint")
                {
                    throw new JqlException($"Error in the JQL Query: Unable to find JQL function '{fn.Text}()'. (line 1, character {fn.Position + 1})");
                }
                return new JqlClause(field, negated, [], fn.Text.ToLowerInvariant(), f.Position);
            }

            var values = new List<string>();
            if (list)
            {
                var open = Next();
                if (open.Kind != Kind.Symbol || open.Text != "(")
                {
                    throw new JqlException($"Error in the JQL Query: Expecting '(' but got '{Describe(open)}'. (line 1, character {open.Position + 1})");
                }
                while (true)
                {
                    values.Add(ReadValue());
                    var sep = Next();
                    if (sep.Kind == Kind.Symbol && sep.Text == ",")
                    {
                        continue;
                    }
                    if (sep.Kind == Kind.Symbol && sep.Text == ")")
                    {
                        break;
                    }
                    throw new JqlException($"Error in the JQL Query: Expecting ')' or ',' but got '{Describe(sep)}'. (line 1, character {sep.Position + 1})");
                }
            }
            else
            {
                values.Add(ReadValue());
            }
            return new JqlClause(field, negated, values, null, f.Position);
        }

        string ReadValue()
        {
            var v = Next();
            if (v.Kind is Kind.Word or Kind.String)
            {
                return v.Text;
            }
            throw new JqlException($"Error in the JQL Query: Expecting either a value, list or function but got '{Describe(v)}'. You must surround '{Describe(v)}' in quotation marks to use it as a value. (line 1, character {v.Position + 1})");
        }
    }

    private static string Describe(Token t) => t.Kind == Kind.End ? "EOF" : t.Text;

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c is '(' or ')' or ',' or '=')
            {
                tokens.Add(new Token(Kind.Symbol, c.ToString(), i));
                i++;
                continue;
            }
            if (c == '!' && i + 1 < text.Length && text[i + 1] == '=')
            {
                tokens.Add(new Token(Kind.Symbol, "!=", i));
                i += 2;
                continue;
            }
            if (c is '"' or '\'')
            {
                var start = i;
                var sb = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != c)
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    sb.Append(text[i]);
                    i++;
                }
                if (i >= text.Length)
                {
                    throw new JqlException($"Error in the JQL Query: The quoted string '{sb}' has not been completed. (line 1, character {start + 1})");
                }
                i++;
                tokens.Add(new Token(Kind.String, sb.ToString(), start));
                continue;
            }
            if (char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-' or '.' or ':'))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Word, text[start..i], start));
                continue;
            }
            throw new JqlException(string.Create(CultureInfo.InvariantCulture,
                $"Error in the JQL Query: The character '{c}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u{(int)c:x4}' instead. (line 1, character {i + 1})"));
        }
        tokens.Add(new Token(Kind.End, "", text.Length));
        return tokens;
    }
}
