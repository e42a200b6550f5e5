import Hummingbird
import Logging
import PipelineSettings

/// Answers a request that failed on the database with 500 and a JSON reason, and logs it.
struct BoardErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            logger.error("answering failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return BoardRoutes.problem("the board could not read the database; its log says why", status: .internalServerError)
        }
    }
}

/// Lets in only the requests that carry `MES_BOARD_AUTH`'s credentials; `/health` stays open.
/// A token given once as `?token=` is kept in a cookie, so that the pages and their event stream
/// need no header.
struct BoardAuthenticationMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let authentication: BoardAuthentication

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
        let queryToken = request.uri.queryParameters.get("token")
        guard authentication.admits(authorization: request.headers[.authorization], cookie: request.headers[.cookie], queryToken: queryToken) else {
            var response = BoardRoutes.problem("the board needs credentials (MES_BOARD_AUTH)", status: .unauthorized)
            if case .basic = authentication { response.headers[.wwwAuthenticate] = #"Basic realm="cnc-collector board", charset="UTF-8""# }
            return response
        }
        var response = try await next(request, context)
        if case .token(let token) = authentication, queryToken != nil {
            response.headers[.setCookie] = "\(BoardAuthentication.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
        }
        return response
    }
}
